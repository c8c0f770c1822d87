"""The AWS services the emulator speaks; each one knows its own wire protocol."""
