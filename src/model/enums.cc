#include "model/enums.h"

#include <algorithm>
#include <array>

namespace concordat::model {
namespace {

constexpr std::array<std::string_view, 38> kArticle10 = {
    // Schedule 1 Part 1
    "employment", "health_social_care", "public_health", "archiving", "research",
    // Schedule 1 Part 2
    "statutory_purposes", "administration_of_justice", "equality_of_opportunity",
    "racial_ethnic_diversity", "preventing_detecting_unlawful_acts",
    "protecting_public_against_dishonesty", "regulatory_requirements", "journalism",
    "preventing_fraud", "terrorist_financing", "support_for_disability", "counselling",
    "safeguarding_children_individuals_at_risk", "safeguarding_economic_wellbeing", "insurance",
    "occupational_pensions", "political_parties", "elected_representatives",
    "disclosure_to_elected_representatives", "informing_elected_representatives_about_prisoners",
    "publication_of_legal_judgments", "anti_doping", "standards_of_behaviour_in_sport",
    // Schedule 1 Part 3
    "consent", "vital_interests", "not_for_profit", "made_public", "legal_claims", "judicial_acts",
    "administration_of_accounts", "substantial_public_interest_extension", "insurance_extension",
    "law_enforcement_appropriate_policy"};

constexpr std::array<std::string_view, 11> kDpaPart3 = {
    "strictly_necessary", "consent",
    // Schedule 8
    "statutory_purposes", "administration_of_justice", "vital_interests",
    "safeguarding_children_individuals_at_risk", "made_public", "legal_claims", "judicial_acts",
    "preventing_fraud", "archiving"};

}  // namespace

bool IsKnownArticle10Condition(std::string_view slug) {
  // The Schedule 1 Part 2 heading alone ("substantial_public_interest") names no condition.
  return std::find(kArticle10.begin(), kArticle10.end(), slug) != kArticle10.end();
}

bool IsKnownDpaPart3Condition(std::string_view slug) {
  return std::find(kDpaPart3.begin(), kDpaPart3.end(), slug) != kDpaPart3.end();
}

}  // namespace concordat::model
