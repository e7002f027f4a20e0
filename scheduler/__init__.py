"""The clock, its jobs and message delivery through the durable outbox."""
