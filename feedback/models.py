# Advisor annotations on advice, outcomes and label overrides arrive with the portal issue.
