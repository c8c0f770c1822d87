"""The emulator's internals, in a package of their own so that their module
names never collide with test helpers elsewhere on sys.path."""
