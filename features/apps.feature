@apps @cookbook:provision-apps
Feature: Apps: find the product, provision the app, order it
  "Query the Workspaces API to find the product ARI for the product instance to install
  apps on ... the id of each workspace returned corresponds to the product ARI."
  The app order relates to its product with APP_DEPENDENCE and bills from the product's
  billing anchor.

  @orders @consumes
  Scenario: Install an app on a product and order it
    Given a site with JSM
    And I authenticate with the org API key
    When I query the workspaces of that site
    Then the "Jira Service Management" workspace id is a product ARI
    When I provision the app on that product
    Then the provisioning request is IN_PROGRESS
    When I get the details of that product's entitlement
    And I place the app order with a promotion code, skipping the trial, billed from the parent's anchor
    Then the order is accepted with one item per ordered offering
    And every item of the order reaches SUCCESS
    And every item of the order has its entitlement
    And the provisioning request is COMPLETED

  @orders
  Scenario: A site admin installs an app on their own site with Basic authentication
    Given a site with Jira that the site admin administers
    And I authenticate as the site admin who holds the role directly
    When I query the workspaces of that site
    Then the "Jira Software" workspace id is a product ARI
    When I provision the app on that product
    And I get the details of that product's entitlement
    And I place the app order with a promotion code, skipping the trial, billed from the parent's anchor
    Then every item of the order reaches SUCCESS

  @orders
  Scenario: An app order billed from another anchor is refused
    Given a site with JSM
    And I authenticate with the org API key
    When I query the workspaces of that site
    And I provision the app on the "Jira Service Management" product
    And I place the app order billed from another entitlement's anchor
    Then the order is refused with status 422 naming rule "REL-014" at "/items/0/nextBillingAnchorTimestamp"
