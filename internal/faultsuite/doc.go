// Package faultsuite proves permsync's apply safe under GitHub's failures.
//
// It holds tests only (this file is its documentation). Each scenario seeds
// a simulated GitHub (internal/demo on testdata/start), asks for a plan with
// every kind of change (testdata/want: adds, invitations to non-members,
// raises, lowers, removals, team grants, a protection created and one
// updated), injects one kind of fault, runs `permsync apply` through the
// real command line (cli.Main, with the GitHub client's clock and waits
// on the simulator's clock so that a minute's back-off costs nothing), and
// checks:
//
//   - the exit code is 0 (everything done) or 4 (done in part) — or 1 when
//     the fault is a repository that no longer exists — and every planned
//     change that did not happen is named in the output as failed,
//     conflict or skipped;
//   - every difference between the simulator's rights before and after is
//     a change of the plan, towards its planned value (never a change
//     outside the plan, and protection settings the plan does not manage
//     keep their values);
//   - no invitee holds two invitations to one repository;
//   - with the fault gone, a second apply exits 0 and a plan is empty.
//
// A plan holding a refused change changes nothing, under faults too.
//
// Faults: 5xx every N requests, secondary rate limits on mutations (403
// and 429, with and without Retry-After), latency spikes, connection
// resets before GitHub acts and after it acted (the answer lost), the
// primary rate limit exhausted with a near and a far reset, the App's
// installation token expiring between writes, and a repository deleted
// between plan and apply and during apply. Every scenario runs at several
// seeds; the seed picks the fault's cadence and the moment it strikes.
//
// Some faults need a hand between permsync and the simulator (an answer
// lost after the write, the clock moved after the k-th write): a small
// proxy in front of the simulator does it.
//
// The concurrency tests run the built binary as separate processes: two
// applies at once against one org, a plan killed while reading, and two
// runs sharing one cache directory.
package faultsuite
