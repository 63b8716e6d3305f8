"""Job queue adapters: in-process, Dramatiq over Redis, AWS Step Functions."""
