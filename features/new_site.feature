@new-site @cookbook:provision-products
Feature: A new site: provision, check the status, order within 10 minutes, track the order
  "Send the provisioning request and immediately after send the place order request."
  A new site gets its name (https://{name}.atlassian.net) and a timezone; once every
  order item succeeds, the provisioning request completes and the site's workspaces appear.

  @orders
  Scenario Outline: <order> on a new site
    Given I authenticate with the org API key
    When I provision <offerings> on a new site "<site>"
    Then the provisioning request is IN_PROGRESS
    When I place the <order> order for that provisioning request
    Then the order is accepted with one item per ordered offering
    And every item of the order reaches SUCCESS
    And every item of the order has its entitlement
    And the provisioning request is COMPLETED
    And the workspaces of site "<site>" are <workspaces>

    Examples:
      | order                      | offerings                                                                           | site | workspaces                                                  |
      | Confluence Enterprise      | "Confluence Enterprise"                                                             | conf | "Confluence"                                                |
      | Jira Enterprise            | "Jira Enterprise"                                                                   | jira | "Jira Software"                                             |
      | JSM Enterprise             | "Jira Service Management Enterprise"                                                | jsm  | "Jira Service Management"                                   |
      | all Enterprise products    | "Confluence Enterprise", "Jira Enterprise" and "Jira Service Management Enterprise" | all  | "Confluence", "Jira Software" and "Jira Service Management" |
      | Jira Premium (Open Source) | "Jira Premium (Open Source)"                                                        | oss  | "Jira Software"                                             |

  @orders
  Scenario: All Enterprise products share one family container
    Given I authenticate with the org API key
    When I provision "Confluence Enterprise", "Jira Enterprise" and "Jira Service Management Enterprise" on a new site "one"
    And I place the all Enterprise products order for that provisioning request
    Then the order holds exactly one family-container item, related from both Jira and JSM
    And every item of the order reaches SUCCESS
    And the Jira and JSM entitlements of site "one" share one family container
