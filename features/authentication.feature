@auth @cookbook:authentication
Feature: Authentication
  "These APIs utilize an API key as a Bearer access token for authentication."
  A site admin may use Basic authentication instead (base64 of email and API token),
  but only with "site admin role access for this specific site directly at the user
  level, not through a group", and "site-scoped authorization can only be used for
  installing 2nd party apps on products".

  Scenario: The org API key is accepted as a Bearer token
    Given I authenticate with the org API key
    When I query the workspaces of site "acme"
    Then the request succeeds
    And the workspaces include a "Jira Software" workspace for site "acme"

  Scenario: A site admin uses Basic authentication where the cookbook allows it
    Given I authenticate as the site admin who holds the role directly
    When I query every workspace I can see
    Then the request succeeds
    And I see only the workspaces of site "acme"

  Scenario: Basic authentication is refused for provisioning product instances
    Given I authenticate as the site admin who holds the role directly
    When I provision "Confluence Enterprise" on a new site "acme-basic"
    Then the request is refused with status 403
    And the refusal says "org API key"

  Scenario: A site admin cannot reach a site they do not administer
    Given I authenticate as the site admin who holds the role directly
    When I list the entitlements of "Jira Software" on site "globex"
    Then the request is refused with status 403
    And the refusal says "globex"

  Scenario: A site-admin role held only through a group is refused
    Given I authenticate as the site admin who holds the role through a group
    When I query the workspaces of site "acme"
    Then the request is refused with status 403
    And the refusal says "group"

  Scenario: An API key the org does not know is refused
    Given I authenticate with an API key the org does not know
    When I query the workspaces of site "acme"
    Then the request is refused with status 401

  Scenario: A request without credentials is refused
    Given I send no credentials
    When I query the workspaces of site "acme"
    Then the request is refused with status 401

  Scenario: The cookbook's "Authentication" header is answered with a hint (erratum ERR-001)
    Given I send the org API key in an "Authentication" header, as the cookbook's sample does
    When I list the entitlements of "Jira Software" on site "acme"
    Then the request is refused with status 401
    And the refusal says "Authorization"
