"""The MAX adapter, built on maxo: payloads, the renderer of notices and the gateway that sends
them (screens are to come)."""

MESSENGER = "max"
