// Names of the enumerations as they are written in protocol files, and back.
//
// Name(e) gives the file spelling ("for_approval"); Parse<E>(text) the value or nullopt;
// Choices<E>() the allowed spellings joined as "a | b | c" for error messages.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "model/protocol.h"

namespace concordat::model {

template <typename E>
struct EnumNames;  // specialised below: static constexpr std::pair<E, const char*> kNames[]

#define CONCORDAT_ENUM_NAMES(E, ...)                                     \
  template <>                                                            \
  struct EnumNames<E> {                                                  \
    static constexpr std::pair<E, const char*> kNames[] = {__VA_ARGS__}; \
  }

CONCORDAT_ENUM_NAMES(ProtocolStatus, {ProtocolStatus::kDraft, "draft"},
                     {ProtocolStatus::kForApproval, "for_approval"},
                     {ProtocolStatus::kApproved, "approved"});
CONCORDAT_ENUM_NAMES(ControllerRole, {ControllerRole::kSole, "sole"},
                     {ControllerRole::kJoint, "joint"}, {ControllerRole::kProcessor, "processor"});
CONCORDAT_ENUM_NAMES(DataKind, {DataKind::kAggregate, "aggregate"},
                     {DataKind::kPersonal, "personal"},
                     {DataKind::kSpecialCategory, "special_category"},
                     {DataKind::kCriminalOffence, "criminal_offence"});
CONCORDAT_ENUM_NAMES(Format, {Format::kMeeting, "meeting"},
                     {Format::kRequestResponse, "request_response"},
                     {Format::kSelfService, "self_service"},
                     {Format::kCentralController, "central_controller"},
                     {Format::kAutomated, "automated"});
CONCORDAT_ENUM_NAMES(AccessMode, {AccessMode::kReadOnly, "read_only"},
                     {AccessMode::kReadWrite, "read_write"});
CONCORDAT_ENUM_NAMES(DocumentKind, {DocumentKind::kDpia, "dpia"}, {DocumentKind::kSop, "sop"},
                     {DocumentKind::kContract, "contract"}, {DocumentKind::kPolicy, "policy"},
                     {DocumentKind::kOther, "other"});
CONCORDAT_ENUM_NAMES(Requirement, {Requirement::kJustification, "justification"},
                     {Requirement::kAuditReference, "audit_reference"});
CONCORDAT_ENUM_NAMES(Article6, {Article6::kConsent, "consent"}, {Article6::kContract, "contract"},
                     {Article6::kLegalObligation, "legal_obligation"},
                     {Article6::kVitalInterests, "vital_interests"},
                     {Article6::kPublicTask, "public_task"},
                     {Article6::kLegitimateInterests, "legitimate_interests"});
CONCORDAT_ENUM_NAMES(Article9, {Article9::kExplicitConsent, "explicit_consent"},
                     {Article9::kEmployment, "employment"},
                     {Article9::kVitalInterests, "vital_interests"},
                     {Article9::kNotForProfit, "not_for_profit"},
                     {Article9::kMadePublic, "made_public"},
                     {Article9::kLegalClaims, "legal_claims"},
                     {Article9::kSubstantialPublicInterest, "substantial_public_interest"},
                     {Article9::kHealthSocialCare, "health_social_care"},
                     {Article9::kPublicHealth, "public_health"},
                     {Article9::kArchiving, "archiving"});
#undef CONCORDAT_ENUM_NAMES

template <typename E>
std::string_view Name(E value) {
  for (const auto& [v, n] : EnumNames<E>::kNames)
    if (v == value) return n;
  return "?";
}

template <typename E>
std::optional<E> Parse(std::string_view text) {
  for (const auto& [v, n] : EnumNames<E>::kNames)
    if (text == n) return v;
  return std::nullopt;
}

template <typename E>
std::string Choices() {
  std::string out;
  for (const auto& [v, n] : EnumNames<E>::kNames) {
    if (!out.empty()) out += " | ";
    out += n;
  }
  return out;
}

// The template's unfilled drop-down, accepted in legal-basis lists and reported by lint.
inline constexpr std::string_view kChooseAnItem = "Choose an item.";

// Recognised conditions for the open-ended lists. Article 10: DPA 2018 Schedule 1
// (Parts 1 to 3). DPA Part 3: section 35 (consent, strictly necessary) and Schedule 8.
bool IsKnownArticle10Condition(std::string_view slug);
bool IsKnownDpaPart3Condition(std::string_view slug);

}  // namespace concordat::model
