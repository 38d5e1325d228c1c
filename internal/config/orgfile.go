package config

import "sort"

// requireOrgFiles: an org's guardrails (admin_allowed, expected_owners,
// outside_collaborator_max_role…) live in its org file, which release
// engineering owns. Once any org folder of the directory has its org
// file, an org folder without one is an error: otherwise a pull request could start a
// new org folder and grant there what the other orgs' files forbid, with
// no org file for release engineering to review. A directory without any
// org file (one org on SPEC's defaults) stays valid: it has no guardrail
// to escape. folders maps a lower-cased org to its folder's name, files to
// its org file's.
func (l *loader) requireOrgFiles(folders, files map[string]string) {
	var missing []string
	guarded := false // an org folder has its org file
	for key := range folders {
		if _, ok := files[key]; ok {
			guarded = true
		} else {
			missing = append(missing, key)
		}
	}
	if !guarded {
		return // no org file in use (a stray one is an error of its own)
	}
	sort.Strings(missing)
	for _, key := range missing {
		org := folders[key]
		l.ds.Errorf(l.pos(org+"/"), "org folder %s/ has no org file %s.yaml, and the other orgs here have one: every org's guardrails must be written down and reviewed; create %s.yaml (permsync import --org %s writes one with the defaults)",
			org, org, org, org)
	}
}
