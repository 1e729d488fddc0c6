@faults @cookbook:track-order
Feature: Transient faults are retried; permanent ones end in a typed error
  The sandbox misbehaves on purpose for one scenario (its @fault tag). The client retries
  what is safe to retry: throttling after Retry-After, a bad gateway or an unavailable
  service, a dropped connection or an answer slower than its patience; the report shows
  each attempt. An order is resent with the same orderId, so it is placed once. What
  does not pass ends in a typed error that names the operation, the status or the lost
  connection, and how many attempts were made.

  Background:
    Given I authenticate with the org API key

  @orders @fault:orders.get:429
  Scenario: A throttled order status is asked again after Retry-After
    When I provision "Jira Enterprise" on a new site "throttled"
    And I place the Jira Enterprise order for that provisioning request
    And I get the order
    Then the request succeeds
    And orders.get took 2 attempts, answered 429 then 200
    And the 429 asked the client to retry after 1 second

  @orders @fault:orders.get:503:times=2
  Scenario: An unavailable order status is asked again until it answers
    When I provision "Jira Enterprise" on a new site "unavailable"
    And I place the Jira Enterprise order for that provisioning request
    And I get the order
    Then the request succeeds
    And orders.get took 3 attempts, answered 503, 503 then 200

  @orders @fault:orders.place:502
  Scenario: A bad gateway on an order is retried with the same orderId
    When I provision "Jira Enterprise" on a new site "gateway"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And orders.place took 2 attempts, answered 502 then 200
    And every attempt of orders.place sent the same body
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @orders @fault:orders.place:drop-response
  Scenario: An order whose response is lost is sent again and placed once
    When I provision "Jira Enterprise" on a new site "lost"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And orders.place took 2 attempts, answered no response then 200
    And every attempt of orders.place sent the same body
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @orders @fault:orders.place:drop
  Scenario: An order whose connection drops before it arrives is sent again
    When I provision "Jira Enterprise" on a new site "dropped"
    And I place the Jira Enterprise order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And orders.place took 2 attempts, answered no response then 200
    And every attempt of orders.place sent the same body
    And every item of the order reaches SUCCESS
    And the org has exactly one order with that orderId and one entitlement per item

  @provisioning @fault:provisioning.status:delay=5
  Scenario: A status answer slower than the client's patience is asked again
    Given the client waits at most 1 second for an answer
    When I provision "Jira Enterprise" on a new site "slow"
    Then the provisioning request is IN_PROGRESS
    And provisioning.status took 2 attempts, answered no response then 200

  @orders @fault:orders.get:500
  Scenario: An internal server error is reported at once as a ServerError
    When I provision "Jira Enterprise" on a new site "broken"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the call failed with a ServerError, status 500 "INTERNAL_ERROR", after 1 attempt

  @orders @fault:orders.get:503:times=always
  Scenario: A service that stays unavailable fails with a ServerError after every attempt
    When I provision "Jira Enterprise" on a new site "down"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the call failed with a ServerError, status 503 "UNAVAILABLE", after 4 attempts

  @orders @fault:orders.get:429:retry-after=120
  Scenario: A throttle longer than the client will wait is reported as RateLimitedError
    When I provision "Jira Enterprise" on a new site "throttled-long"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the call failed with a RateLimitedError, status 429 "RATE_LIMITED", after 1 attempt
    And the error says to retry after 120 seconds

  @orders @fault:orders.get:drop:times=always
  Scenario: A connection that keeps dropping fails with a TransportError after every attempt
    When I provision "Jira Enterprise" on a new site "unreachable"
    And I place the Jira Enterprise order for that provisioning request
    And I try to get the order
    Then the call failed with a TransportError after 4 attempts
    And the error says the connection was lost

  @provisioning @fault:products.provision:drop-response
  Scenario: A provisioning request whose answer is lost is not sent again
    When I try to provision "Jira Enterprise" on a new site "unknown"
    Then the call failed with a TransportError after 1 attempt
    And the error says the request may have reached the server
