package main

// Embed the IANA time-zone database (about 450 kB) so that events and
// pages show the right local times whatever the host or container has in
// /usr/share/zoneinfo; Go uses the system's copy first when there is one.
import _ "time/tzdata"
