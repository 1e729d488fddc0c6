@existing-site @cookbook:existing-sites
Feature: An existing site: add a product to a site the org already has
  "Use the name of the site preceding .atlassian.net as the name parameter."
  "If your site already has one Jira family product (Jira, JSM), and you want to place an
  order for the other, you will need to get the entitlementId of the Jira family container."
  A scenario tagged @consumes changes the site it is given for good: against a shared org
  it gets a site made for it (provisioned and ordered first), never one of the profile's.

  @orders @consumes
  Scenario: Provision a product on an existing site by its name
    Given a site with Jira and no Confluence
    And I authenticate with the org API key
    When I provision "Confluence Enterprise" on that site
    Then the provisioning request is IN_PROGRESS
    When I place the Confluence Enterprise order for that provisioning request
    Then every item of the order reaches SUCCESS
    And the provisioning request is COMPLETED
    And the workspaces of that site are its earlier ones and "Confluence"

  @orders @consumes
  Scenario: Add JSM to a site that has Jira
    Given a site with Jira and no JSM
    And I authenticate with the org API key
    When I query the workspaces of that site
    Then the "Jira Software" workspace gives the entitlement id of Jira on that site
    When I get the details of that entitlement
    Then the details relate it to the Jira family container of that site
    When I provision "Jira Service Management Enterprise" on that site
    And I place the JSM order onto the site's family container
    Then the order is accepted with one item per ordered offering
    And every item of the order reaches SUCCESS
    And the provisioning request is COMPLETED
    And the workspaces of that site are its earlier ones and "Jira Service Management"
    And the Jira and JSM entitlements of that site share one family container

  @orders @consumes
  Scenario: The cookbook's v1 orders path takes the same order (erratum ERR-005)
    Given a site with Jira and no JSM
    And I authenticate with the org API key
    When I provision "Jira Service Management Enterprise" on that site
    And I place the JSM order onto the site's family container on the v1 path
    Then every item of the order reaches SUCCESS

  @orders
  Scenario: A second family container for a site that has one is refused
    Given a site with Jira and no JSM
    And I authenticate with the org API key
    When I provision "Jira Service Management Enterprise" on that site
    And I place the JSM Enterprise order for that provisioning request
    Then the order is refused with status 422 naming rule "REL-008" at "/items/0"
