// Package outdir is the one way rescuegrid commands write their outputs: a
// folder of files (analyze, site, tiles export, report --tables) or a single
// file (report, reach, network build, extract, isochrone).
//
// # Promises
//
//   - An output folder records what wrote it in ManifestFile (the command, the
//     study, the version, the files). A command replaces only a folder of its
//     own kind, or with Options.Force another rescuegrid output; it refuses,
//     saying why, a folder without a manifest (whatever it holds, a
//     summary.json included), a folder holding files its manifest does not
//     list, the working folder or one of its ancestors ("--out .."), a
//     symbolic link, a device, a FIFO or a socket.
//   - A rerun never leaves a stale file: the whole folder is replaced.
//   - The new result is written beside the asked name, under a hidden name
//     holding the process id (".NAME.rg-PID-new"), and swapped in with one
//     renameat2(RENAME_EXCHANGE): at every step a kill or an I/O error leaves
//     either the complete old result or the complete new one under the asked
//     name. Where the file system cannot exchange (not Linux, or a file system
//     without RENAME_EXCHANGE) two renames are used, and a kill between them
//     leaves the old result under ".NAME.rg-PID-old", which the next run puts
//     back.
//   - The next run removes what a killed run left (hidden names of processes
//     that are no longer running), and puts an old result back where the
//     asked name is missing.
//   - A single file is replaced only when it is a regular file (never a
//     folder, a symbolic link, a device or a FIFO), by renaming a synced
//     temporary file over it.
//   - A cancelled context stops a write between steps and inside the bytes
//     written; the temporary files are removed.
//
// # Not covered
//
// The promises are for one machine's local file system. Two runs writing the
// same output at once each produce a complete folder; the last swap wins.
package outdir
