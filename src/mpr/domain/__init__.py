"""Pure domain: entities, value objects, the job state machine, ports and errors."""
