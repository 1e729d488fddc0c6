@rules @cookbook:place-order
Feature: Order rules: the entitlement relationships a correct order must satisfy
  Each rule has a stable id (harness/contracts/rules.py). An order that breaks one is
  refused with status 422 and the rule's id, pointing at the offending field.

  Background:
    Given I authenticate with the org API key

  @orders
  Scenario Outline: <rule>: an order where <breakage> is refused
    When I provision <offerings> on a new site "rules"
    And I place the <order> order for that provisioning request, except that <breakage>
    Then the order is refused with status 422 naming rule "<rule>" at "<pointer>"

    Examples:
      | rule    | breakage                                              | order                      | offerings                                                                           | pointer                                                                     |
      | REL-001 | two items share one itemId                            | all Enterprise products    | "Confluence Enterprise", "Jira Enterprise" and "Jira Service Management Enterprise" | /items/3/itemId                                                             |
      | REL-002 | an item names an offering the catalogue does not know | Confluence Enterprise      | "Confluence Enterprise"                                                             | /items/0/offeringId                                                         |
      | REL-004 | Jira relates to an item the order does not have       | Jira Enterprise            | "Jira Enterprise"                                                                   | /items/1/relatesFromEntitlements/0/itemId                                   |
      | REL-005 | Confluence relates to an entitlement the org lacks    | Confluence Enterprise      | "Confluence Enterprise"                                                             | /items/0/relatesFromEntitlements/0/entitlementId                            |
      | REL-006 | JSM has no family container                           | JSM Enterprise             | "Jira Service Management Enterprise"                                                | /items/1/relatesFromEntitlements                                            |
      | REL-007 | the order holds a second family container             | all Enterprise products    | "Confluence Enterprise", "Jira Enterprise" and "Jira Service Management Enterprise" | /items/4                                                                    |
      | REL-009 | Jira names the JSM parent entitlement                 | Jira Enterprise            | "Jira Enterprise"                                                                   | /items/1/relatesFromEntitlements/1/entitlementId                            |
      | REL-010 | Confluence relates to a family container              | all Enterprise products    | "Confluence Enterprise", "Jira Enterprise" and "Jira Service Management Enterprise" | /items/0/relatesFromEntitlements/1                                          |
      | REL-011 | the family container carries usage options            | Jira Enterprise            | "Jira Enterprise"                                                                   | /items/0/optedUsageOptions                                                  |
      | REL-012 | JSM is charged per user                               | JSM Enterprise             | "Jira Service Management Enterprise"                                                | /items/1/optedUsageOptions/chargingDetails/chargeQuantities/0/chargeElement |
      | REL-016 | Confluence is provisioned but not ordered             | Jira Enterprise            | "Jira Enterprise" and "Confluence Enterprise"                                       | /items                                                                      |
      | REL-017 | Jira Premium names the app's pricing plan             | Jira Premium (Open Source) | "Jira Premium (Open Source)"                                                        | /items/1/optedUsageOptions/chargingDetails/pricingPlanId                    |
      | REL-018 | the invoice group belongs to another account          | Jira Enterprise            | "Jira Enterprise"                                                                   | /invoiceGroupId                                                             |
      | REL-019 | Confluence comes with an unused family container      | Confluence Enterprise      | "Confluence Enterprise"                                                             | /items/1                                                                    |

  @orders
  Scenario: REL-013: an app order without APP_DEPENDENCE is refused
    Given a site with JSM
    When I query the workspaces of that site
    And I provision the app on the "Jira Service Management" product
    And I place the app order without its APP_DEPENDENCE relationship
    Then the order is refused with status 422 naming rule "REL-013" at "/items/0/relatesFromEntitlements"

  @orders
  Scenario: REL-015: an order naming a provisioning request the org does not have is refused
    When I provision "Jira Enterprise" on a new site "rules"
    And I place the Jira Enterprise order naming provisioning request "00000000-0000-4000-8000-0000000000bb"
    Then the order is refused with status 422 and code "PROVISIONING_REQUEST_UNKNOWN"

  @orders
  Scenario: REL-003: sending the same order again returns the same order and creates nothing
    When I provision "Jira Enterprise" on a new site "idem"
    And I place the Jira Enterprise order for that provisioning request
    And I send the same order again
    Then both answers are the same order
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @orders
  Scenario: REL-003: the same orderId with a different body is refused
    When I provision "Jira Enterprise" on a new site "idem"
    And I place the Jira Enterprise order for that provisioning request
    And I send the same orderId with twice the users
    Then the order is refused with status 409 naming rule "REL-003" at "/orderId"
