// The decision: permit or deny, which protocol and rule, every failed check, warnings and
// obligations (../shared/spec/decision-api.md).
//
// A Decision is filled by Decide() without allocating: reasons and warnings live in fixed
// inline arrays and refer to the compiled registry and the request by index. Messages are
// produced only when the decision is rendered (render.h), off the hot path.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace concordat::decide {

enum class ReasonCode : uint8_t {
  kNoProtocol,
  kNotApproved,
  kNotCommenced,
  kNotSigned,
  kRequesterNotPartner,
  kProviderNotPartner,
  kPartnerWithdrawn,
  kRequesterCannotAccess,
  kProviderCannotProvide,
  kDataNotCovered,
  kPurposeNotCovered,
  kFormatNotAllowed,
  kNoLegalBasis,
  kNoSpecialCategoryCondition,
  kRoleNotAuthorised,
  kLocationNotAllowed,
  kDeviceNotAllowed,
  kJustificationRequired,
  kAuditReferenceRequired,
  kReadOnly,
  kSubjectRestricted,
  kReviewOverdue,
  kInvalidRequest,  // only for input the CLI or server could not read: never a permit
};
inline constexpr int kReasonCodeCount = 23;

std::string_view CodeName(ReasonCode c);

enum class WarningCode : uint8_t { kReviewOverdue, kWithdrawalPending };
std::string_view CodeName(WarningCode c);

// Which party or which part of a check a reason concerns.
enum class Party : uint8_t { kNone, kRequester, kProvider };

// Why a data category is not covered.
enum class DataProblem : uint8_t { kNone, kNotListed, kWrongProvider, kNotRecipient, kNotInRule };

struct Reason {
  ReasonCode code = ReasonCode::kNoProtocol;
  Party party = Party::kNone;
  DataProblem data_problem = DataProblem::kNone;
  uint8_t detail = 0;     // NO_LEGAL_BASIS: 0 Article 6 (personal data), 1 criminal offence data
  int32_t protocol = -1;  // compiled protocol index; -1 for registry-wide reasons
  int32_t rule = -1;      // access rule index within the protocol, for rule checks
  int32_t item = -1;      // index into Request::data for data reasons
};

struct Warning {
  WarningCode code = WarningCode::kReviewOverdue;
  Party party = Party::kNone;
  int32_t protocol = -1;
};

struct Decision {
  static constexpr size_t kMaxReasons = 96;
  static constexpr size_t kMaxWarnings = 32;

  bool permit = false;
  int32_t protocol = -1;  // the protocol that permitted, or the one checked when only one was
  int32_t rule = -1;      // the rule that permitted, or the closest one
  int64_t at = 0;         // the instant decided, seconds since the epoch
  bool has_retain_until = false;
  int32_t retain_until_days = 0;  // days since the epoch

  std::array<Reason, kMaxReasons> reasons;
  size_t reason_count = 0;
  bool reasons_truncated = false;
  std::array<Warning, kMaxWarnings> warnings;
  size_t warning_count = 0;
  bool warnings_truncated = false;

  void Clear() {
    permit = false;
    protocol = rule = -1;
    at = 0;
    has_retain_until = false;
    retain_until_days = 0;
    reason_count = warning_count = 0;
    reasons_truncated = false;
    warnings_truncated = false;
  }
  void AddReason(const Reason& r) {
    if (reason_count < kMaxReasons)
      reasons[reason_count++] = r;
    else
      reasons_truncated = true;
  }
  void AddWarning(const Warning& w) {
    if (warning_count < kMaxWarnings)
      warnings[warning_count++] = w;
    else
      warnings_truncated = true;
  }
};

}  // namespace concordat::decide
