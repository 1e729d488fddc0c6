@window @cookbook:place-order
Feature: The 10-minute window between provisioning and the order
  "The place order action must happen in quick succession (within 10 minutes) or the
  provisioning process will time out while waiting for information from commerce."

  Background:
    Given I authenticate with the org API key
    And I provision "Jira Enterprise" on a new site "window"

  @orders
  Scenario: An order placed right away is accepted
    When I place the Jira Enterprise order for that provisioning request
    Then every item of the order reaches SUCCESS

  @orders @sandbox-clock
  Scenario: An order 599 seconds after provisioning is still in time
    Given 599 seconds pass
    When I send the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering

  @orders @sandbox-clock
  Scenario: An order exactly 10 minutes after provisioning is still in time
    Given 600 seconds pass
    When I send the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering

  @orders @sandbox-clock
  Scenario: An order 601 seconds after provisioning is refused
    Given 601 seconds pass
    When I send the Jira Enterprise order for that provisioning request
    Then the order is refused with status 422 and code "PROVISIONING_WINDOW_CLOSED"

  @provisioning @sandbox-clock
  Scenario: Without an order in 10 minutes the provisioning request fails
    Given 601 seconds pass
    Then the provisioning request is FAILED

  @orders @sandbox-clock
  Scenario: The client refuses to send an order it knows is too late
    Given 601 seconds pass
    When I place the Jira Enterprise order for that provisioning request
    Then the client refused to send the order because the window closed
