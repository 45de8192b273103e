"""Pure paging rules: durations, a policy's next step, a person's notification plan."""
