@faults @sandbox-faults
Feature: When the API misbehaves, the client retries what is safe and says clearly what failed
  A real org is sometimes slow, busy or unreachable. Each scenario here makes the sandbox
  misbehave on purpose at one request: it throttles, fails, answers late, or the connection
  drops. The client retries what is safe to retry (a throttled or unavailable read, an
  order, which its orderId keeps from being placed twice) and never resends a provisioning
  request, which could provision twice. What does not recover reaches the user as one
  typed error naming the request, the answer or the lost connection, and how many
  attempts were made. The report shows every attempt.

  Background:
    Given I authenticate with the org API key

  @orders @cookbook:track-order
  Scenario: A throttled order status is asked again after the wait the API asked for
    Given the API throttles the next order status request, asking to retry after 1 second
    When I provision "Jira Enterprise" on a new site "throttled"
    And I place the Jira Enterprise order for that provisioning request
    And I get the order
    Then the request succeeds
    And the client sent the order status request 2 times: throttled, then OK
    And the throttled answer asked the client to retry after 1 second

  @orders @cookbook:track-order
  Scenario: An order status that is unavailable for a while is asked again until it answers
    Given the API is unavailable for the next 2 order status requests
    When I provision "Jira Enterprise" on a new site "unavailable"
    And I place the Jira Enterprise order for that provisioning request
    And I get the order
    Then the request succeeds
    And the client sent the order status request 3 times: unavailable, unavailable, then OK

  @orders @cookbook:place-order
  Scenario: An order that meets a bad gateway is sent again with the same orderId
    Given the API answers the next order placement with a bad gateway
    When I provision "Jira Enterprise" on a new site "gateway"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And the client sent the order placement 2 times: bad gateway, then OK
    And every attempt of the order placement sent the same order
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @orders @cookbook:place-order
  Scenario: An order whose answer is lost is sent again and placed once
    Given the connection drops after the next order placement is acted on, losing its answer
    When I provision "Jira Enterprise" on a new site "lost"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And the client sent the order placement 2 times: no answer, then OK
    And every attempt of the order placement sent the same order
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @orders @cookbook:place-order
  Scenario: An order whose connection drops before it arrives is sent again
    Given the connection drops before the next order placement arrives
    When I provision "Jira Enterprise" on a new site "dropped"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And the client sent the order placement 2 times: no answer, then OK
    And every attempt of the order placement sent the same order
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @provisioning @cookbook:provisioning-status
  Scenario: A provisioning status slower than the client's patience is asked again
    Given the client waits at most 1 second for an answer
    And the API answers the next provisioning status request 5 seconds late
    When I provision "Jira Enterprise" on a new site "slow"
    Then the provisioning request is IN_PROGRESS
    And the client sent the provisioning status request 2 times: no answer, then OK

  @orders @cookbook:track-order
  Scenario: An internal server error reaches the user at once as a ServerError
    Given the API fails the next order status request with an internal error
    When I provision "Jira Enterprise" on a new site "broken"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the user gets a ServerError, status 500 "INTERNAL_ERROR", after 1 attempt

  @orders @cookbook:track-order
  Scenario: A service that stays unavailable reaches the user as a ServerError after every attempt
    Given the API is unavailable for every order status request
    When I provision "Jira Enterprise" on a new site "down"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the user gets a ServerError, status 503 "UNAVAILABLE", after 4 attempts

  @orders @cookbook:track-order
  Scenario: A throttle longer than the client will wait reaches the user as a RateLimitedError
    Given the API throttles the next order status request, asking to retry after 120 seconds
    When I provision "Jira Enterprise" on a new site "throttled-long"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the user gets a RateLimitedError, status 429 "RATE_LIMITED", after 1 attempt
    And the error says to retry after 120 seconds

  @orders @cookbook:track-order
  Scenario: A connection that keeps dropping reaches the user as a TransportError after every attempt
    Given the connection drops on every order status request
    When I provision "Jira Enterprise" on a new site "unreachable"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the user gets a TransportError after 4 attempts
    And the error says the connection was lost

  @provisioning @cookbook:provision-products
  Scenario: A provisioning request whose answer is lost is not sent again
    Given the connection drops after the next provisioning request is acted on, losing its answer
    When I try to provision "Jira Enterprise" on a new site "unknown"
    Then the user gets a TransportError after 1 attempt
    And the error says the request may have reached the server
