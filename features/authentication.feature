@auth @cookbook:authentication
Feature: Authentication
  "These APIs utilize an API key as a Bearer access token for authentication."
  A site admin may use Basic authentication instead (base64 of email and API token),
  but only with "site admin role access for this specific site directly at the user
  level, not through a group", and "site-scoped authorization can only be used for
  installing 2nd party apps on products".

  @read-only
  Scenario: The org API key is accepted as a Bearer token
    Given a site with Jira
    And I authenticate with the org API key
    When I query the workspaces of that site
    Then the request succeeds
    And the workspaces include that site's "Jira Software" workspace

  @read-only
  Scenario: A site admin uses Basic authentication where the cookbook allows it
    Given I authenticate as the site admin who holds the role directly
    When I query every workspace I can see
    Then the request succeeds
    And I see only the workspaces of the sites I administer

  @provisioning
  Scenario: Basic authentication is refused for provisioning product instances
    Given I authenticate as the site admin who holds the role directly
    When I provision "Confluence Enterprise" on a new site "basic"
    Then the request is refused with status 403
    And the refusal says "org API key"

  @read-only
  Scenario: A site admin cannot reach a site they do not administer
    Given a site with Jira that the site admin does not administer
    And I authenticate as the site admin who holds the role directly
    When I list the entitlements of "Jira Software" on that site
    Then the request is refused with status 403
    And the refusal names that site

  @read-only
  Scenario: A site-admin role held only through a group is refused
    Given I authenticate as the site admin who holds the role through a group
    When I query the workspaces of the site I administer
    Then the request is refused with status 403
    And the refusal says "group"

  @read-only
  Scenario: An API key the org does not know is refused
    Given a site with Jira
    And I authenticate with an API key the org does not know
    When I query the workspaces of that site
    Then the request is refused with status 401

  @read-only
  Scenario: A request without credentials is refused
    Given a site with Jira
    And I send no credentials
    When I query the workspaces of that site
    Then the request is refused with status 401

  @read-only
  Scenario: The cookbook's "Authentication" header is answered with a hint (erratum ERR-001)
    Given a site with Jira
    And I send the org API key in an "Authentication" header, as the cookbook's sample does
    When I list the entitlements of "Jira Software" on that site
    Then the request is refused with status 401
    And the refusal says "Authorization"
