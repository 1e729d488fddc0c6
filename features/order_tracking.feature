@tracking @cookbook:track-order
Feature: Track the order until every item succeeds
  "Each item must reach the SUCCESS state for the entire order to be successful ...
  $.items[].processingInfo.entitlement.id for a CREATION_ORDER item type will be
  populated after reaching SUCCESS status."

  Background:
    Given I authenticate with the org API key
    And I provision "Jira Enterprise" on a new site "track"

  @orders
  Scenario: Entitlement ids appear only after SUCCESS
    When I send the Jira Enterprise order for that provisioning request
    And I get the order
    Then every item of the order is PROCESSING without an entitlement
    And every item of the order reaches SUCCESS
    And every item of the order has its entitlement

  @orders @sandbox-faults
  Scenario: An item that fails is reported with its reason
    Given the sandbox fails item "O2" of the next order it processes
    When I place the Jira Enterprise order for that provisioning request
    Then the order fails at item "O2" with a reason

  @orders
  Scenario: Tracking an order needs its transaction account
    When I place the Jira Enterprise order for that provisioning request
    And I get the order without the X-transaction-account header
    Then the request is refused with status 400
    And the refusal points at header "X-transaction-account"

  @provisioning
  Scenario: An order the org does not have is not found
    When I get the order "00000000-0000-4000-8000-0000000000aa"
    Then the request is refused with status 404
