@prerequisites @cookbook:prerequisites
Feature: Prerequisites: the product entitlement ID, then the entitlement details
  "You need to get product entitlement ID and use that to get entitlement details."
  The details give what the later steps need: the site's Jira family container and the
  billing anchor an app order bills from.

  @read-only
  Scenario: Get the product entitlement ID, then its details
    Given a site with Jira Enterprise
    And I authenticate with the org API key
    When I list the entitlements of "Jira Software" on that site
    Then the response lists one ACTIVE entitlement
    And its metadata names the Jira family container of that site
    When I get the details of that entitlement
    Then the details relate it to the Jira family container of that site
    And the details relate it to the "Jira" parent enterprise entitlement
    And the details give its billing anchor

  @read-only
  Scenario: A site admin reads the prerequisites with Basic authentication
    Given a site with Jira that the site admin administers
    And I authenticate as the site admin who holds the role directly
    When I list the entitlements of "Jira Software" on that site
    Then the response lists one ACTIVE entitlement
    When I get the details of that entitlement
    Then the details relate it to the Jira family container of that site

  @read-only
  Scenario: An entitlement the org does not have has no details
    Given I authenticate with the org API key
    When I get the details of entitlement "00000000-0000-4000-8000-000000000000"
    Then the request is refused with status 404
