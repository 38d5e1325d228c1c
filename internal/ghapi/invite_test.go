package ghapi

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/AcademySoftwareFoundation/permsync/internal/ghsim"
	"github.com/AcademySoftwareFoundation/permsync/internal/role"
)

// TestInvitationNotRepeatedAfterAmbiguousFailure: the PUT that invites an
// outside collaborator goes through but its answer is lost (a 502, or
// the connection reset, after GitHub acted). The adapter re-reads before
// sending it again: exactly one invitation is sent, and the caller gets
// the pending invitation. When the first PUT did not go through, the
// re-read finds nothing and the PUT is sent once more.
func TestInvitationNotRepeatedAfterAmbiguousFailure(t *testing.T) {
	t.Parallel()
	for _, reset := range []bool{false, true} {
		for _, applied := range []bool{true, false} {
			t.Run(fmt.Sprintf("reset=%v/applied=%v", reset, applied), func(t *testing.T) {
				t.Parallel()
				srv := world(t)
				srv.SetFaults(ghsim.Faults{Routes: []ghsim.RouteFault{{Method: "PUT", Path: "/repos/acme/widgets/collaborators/olga",
					AfterEffect: applied, Reset: reset, Status: 502, Times: 1}}})
				c, logs := tokenClient(t, srv)
				inv, err := c.SetUserGrant(ctxT(t), "acme", "widgets", "olga", role.Write)
				require.NoError(t, err, logs.String())
				require.NotNil(t, inv, "the pending invitation")
				assert.Equal(t, "olga", inv.Login)
				assert.Equal(t, role.Write, inv.Role)
				assert.Equal(t, 1, srv.InvitationsSent("acme", "widgets"), "exactly one invitation e-mail")
				require.Len(t, srv.Invitations("acme", "widgets"), 1)
				if applied {
					assert.Contains(t, logs.String(), "re-reading the invitations before repeating it")
				}
			})
		}
	}
}
