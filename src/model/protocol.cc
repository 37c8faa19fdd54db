#include "model/protocol.h"

#include <algorithm>

namespace concordat::model {
namespace {

template <typename T>
void Merge(BasisList<T>* into, const BasisList<T>& from) {
  for (const auto& v : from.values)
    if (std::find(into->values.begin(), into->values.end(), v) == into->values.end())
      into->values.push_back(v);
  into->unfilled = into->unfilled || from.unfilled;
}

}  // namespace

bool Protocol::operator==(const Protocol& o) const {
  // Everything but `source`.
  return format_version == o.format_version && id == o.id && version == o.version &&
         title == o.title && status == o.status && lead == o.lead && authors == o.authors &&
         commences == o.commences && review == o.review && documents == o.documents &&
         purpose == o.purpose && partners == o.partners &&
         joint_controller_contact == o.joint_controller_contact && legislation == o.legislation &&
         data == o.data && subject_rights == o.subject_rights && security == o.security &&
         international_transfers == o.international_transfers && formats == o.formats &&
         frequency == o.frequency && access == o.access && breach == o.breach &&
         withdrawal_notice_days == o.withdrawal_notice_days && as_written == o.as_written &&
         clauses == o.clauses;
}

const Partner* Protocol::FindPartner(std::string_view partner_id) const {
  for (const auto& p : partners)
    if (p.id == partner_id) return &p;
  return nullptr;
}

const DataCategory* Protocol::FindData(std::string_view data_id) const {
  for (const auto& d : data)
    if (d.id == data_id) return &d;
  return nullptr;
}

LegalBasis EffectiveBasis(const Partner& partner) {
  LegalBasis out;
  for (const auto& row : partner.legal_basis) {
    Merge(&out.article6, row.article6);
    Merge(&out.article9, row.article9);
    Merge(&out.article10, row.article10);
    Merge(&out.dpa_part3, row.dpa_part3);
  }
  return out;
}

}  // namespace concordat::model
