// Package bench holds rescuegrid's end-to-end benchmarks on the real
// extracts in the shared data folder, run side by side with the peer tools
// (see README.md). It has no code of its own: only benchmarks and tests.
package bench
