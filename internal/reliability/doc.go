// Package reliability holds the reliability suite of rescuegrid: tests only,
// run against the real binary and the real parsers.
//
//   - The bad-input table (badinput_test.go): inputs a careful user or a
//     broken file gives, each with the message it must produce.
//   - The kill trial (kill_test.go): the real binary, built with the
//     rgkilltrial tag, stopped at every point of its output writes and killed
//     with SIGKILL; the output is then the complete old or the complete new
//     result, and the next run cleans up.
//   - The signal trial: SIGINT and SIGTERM stop a command promptly and leave
//     no temporary file.
//
// 'make test' runs the fast part; 'make test-reliability' runs everything
// (go test -full), together with the output writer's fault-injection tests
// (internal/outdir) and the service's abuse test (TestAbuse…).
package reliability
