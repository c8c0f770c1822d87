// Gives the shared precompiled header of the unit tests a translation unit to build from.
