// The protocol as types: one Information Sharing Protocol, every field of format 1
// (../shared/spec/protocol-format.md) plus the additions documented in docs/protocol-extensions.md.
//
// A Protocol is plain data. It is produced only by the loader (loader.h), which guarantees
// that every enumerated field holds a known value, every date is a real day and every id is
// a slug. It does not guarantee that references between parts resolve (a data category may
// name a provider that is not a partner): that is the linter's job, because the seed
// documents really do contain such defects and they must be reported, not refused.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/date.h"

namespace concordat::model {

enum class ProtocolStatus { kDraft, kForApproval, kApproved };
enum class ControllerRole { kSole, kJoint, kProcessor };
enum class DataKind { kAggregate, kPersonal, kSpecialCategory, kCriminalOffence };
enum class Format { kMeeting, kRequestResponse, kSelfService, kCentralController, kAutomated };
enum class AccessMode { kReadOnly, kReadWrite };
enum class DocumentKind { kDpia, kSop, kContract, kPolicy, kOther };
enum class Requirement { kJustification, kAuditReference };
enum class Article6 {
  kConsent,
  kContract,
  kLegalObligation,
  kVitalInterests,
  kPublicTask,
  kLegitimateInterests
};
enum class Article9 {
  kExplicitConsent,
  kEmployment,
  kVitalInterests,
  kNotForProfit,
  kMadePublic,
  kLegalClaims,
  kSubstantialPublicInterest,
  kHealthSocialCare,
  kPublicHealth,
  kArchiving
};

// Where something was written in its file (1-based). Marks never take part in equality:
// two protocols are equal when their content is, wherever it sat in the file.
struct SourceMark {
  int line = 0;
  int column = 0;
  bool operator==(const SourceMark&) const { return true; }
};

// A list of lawful bases as the template records it. `unfilled` is set when the document
// carries the template's "Choose an item." instead of, or beside, a choice. An empty list,
// or one that is only unfilled, is no basis at all.
template <typename T>
struct BasisList {
  std::vector<T> values;
  bool unfilled = false;
  bool HasBasis() const { return !values.empty(); }
  bool operator==(const BasisList&) const = default;
};

// One row of the legal-basis table (section 3) for one partner.
struct LegalBasis {
  BasisList<Article6> article6;
  BasisList<Article9> article9;
  // DPA 2018 Schedule 1 conditions for criminal offence data and Part 3 / Schedule 8
  // conditions for law enforcement processing. Open-ended lists of slugs: the linter
  // reports values that are not recognised conditions.
  BasisList<std::string> article10;
  BasisList<std::string> dpa_part3;
  SourceMark mark;
  bool operator==(const LegalBasis&) const = default;
};

struct Signatory {
  std::optional<std::string> name;  // absent where the document records only approval
  std::optional<std::string> role;
  std::optional<Date> signed_on;  // "signed"; absent = named but never dated, so not signed
  std::optional<std::string> organisation_as_written;  // how the signature block names the org
  std::optional<std::string> evidence;                 // where the document records the signing
  bool operator==(const Signatory&) const = default;
};

struct Contact {  // managerial oversight and similar named people
  std::optional<std::string> role;
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  bool operator==(const Contact&) const = default;
};

struct Partner {
  std::string id;
  std::string name;
  std::optional<std::string> address;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> dpo;
  std::optional<std::string> ico_registration;
  std::optional<ControllerRole> controller;
  std::optional<std::string> processor_for;  // controller's partner id, for processors
  std::optional<bool> provides;              // "Provide Data" box; absent = not stated
  std::optional<bool> accesses;              // "Access Data" box; absent = not stated
  std::vector<LegalBasis> legal_basis;       // rows as the document gives them (usually one)
  std::optional<int> retention_days;
  std::optional<Signatory> signatory;
  std::optional<Date> withdrawal_notice;
  std::vector<Contact> oversight;
  SourceMark mark;
  bool operator==(const Partner&) const = default;
};

struct Review {
  std::optional<Date> due;
  std::optional<int> interval_months;
  std::vector<std::string> statements;  // every sentence of the document about review, as written
  bool operator==(const Review&) const = default;
};

struct Document {
  DocumentKind kind = DocumentKind::kOther;
  std::optional<std::string> title;
  std::string reference;
  std::optional<std::string> authority;
  bool operator==(const Document&) const = default;
};

struct Purpose {
  std::string text;
  std::vector<std::string> tags;
  bool operator==(const Purpose&) const = default;
};

// "all" as a recipient (or, for a document that says every partner contributes, as the
// provider) stands for every partner of the protocol.
inline constexpr const char* kAllPartners = "all";

struct DataCategory {
  std::string id;
  std::string provider;
  std::vector<std::string> recipients;
  std::string description;
  DataKind kind = DataKind::kPersonal;
  std::vector<std::string> fields;
  SourceMark mark;
  bool operator==(const DataCategory&) const = default;
};

struct SubjectRights {
  std::optional<bool> informed;
  std::optional<bool> access;
  std::optional<bool> rectification;
  std::optional<bool> erasure;
  std::optional<bool> restriction;
  std::optional<bool> notification;
  std::optional<bool> objection;
  std::optional<bool> automated_decision;
  std::optional<int> response_days;  // "within one month": 30 unless the document says otherwise
  bool operator==(const SubjectRights&) const = default;
};

struct Security {
  std::vector<std::pair<std::string, bool>> controls;  // checklist, in document order
  std::optional<std::string> transit;
  std::optional<std::string> text;
  bool operator==(const Security&) const = default;
};

struct AccessRule {
  std::string id;
  std::string partner;
  std::string provider;
  Format format = Format::kSelfService;
  AccessMode mode = AccessMode::kReadOnly;
  std::vector<std::string> roles;
  std::vector<std::string> users;
  std::vector<std::string> locations;
  std::vector<std::string> devices;
  std::vector<std::string> purposes;
  std::vector<Requirement> require;
  std::vector<std::string> data;
  SourceMark mark;
  bool operator==(const AccessRule&) const = default;
};

struct Breach {
  std::optional<int> partners_within_hours;
  std::optional<int> ico_within_hours;
  bool operator==(const Breach&) const = default;
};

struct Protocol {
  int format_version = 1;  // "concordat"
  std::string id;
  std::string version;
  std::string title;
  ProtocolStatus status = ProtocolStatus::kDraft;
  std::string lead;
  std::vector<std::string> authors;
  std::optional<Date> commences;
  Review review;
  std::vector<Document> documents;
  Purpose purpose;
  std::vector<Partner> partners;
  std::optional<std::string> joint_controller_contact;
  std::vector<std::string> legislation;
  std::vector<DataCategory> data;
  SubjectRights subject_rights;
  Security security;
  std::optional<std::string> international_transfers;
  std::vector<Format> formats;
  std::optional<std::string> frequency;
  std::vector<AccessRule> access;
  Breach breach;
  std::optional<int> withdrawal_notice_days;
  // Text of the document kept where a typed field cannot hold it: a date written as
  // "November 2017" or "TBC", keyed by the field it stands for.
  std::vector<std::pair<std::string, std::string>> as_written;
  // Remaining sections as written (retention, accuracy, complaints, ...), keyed by slug.
  std::vector<std::pair<std::string, std::string>> clauses;

  std::string source;  // file it was loaded from; not part of the content
  bool operator==(const Protocol& o) const;

  const Partner* FindPartner(std::string_view partner_id) const;
  const DataCategory* FindData(std::string_view data_id) const;
};

// The union of a partner's legal-basis rows: what the partner can rely on.
LegalBasis EffectiveBasis(const Partner& partner);

}  // namespace concordat::model
