package history

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// maxChangeCommits bounds the commits read for one change's authors (a
// merge that brings in more is a history rewrite, not a review).
const maxChangeCommits = 200

// authors fills who wrote each entry's change, not only who landed it: a
// merge commit's author is the person who pressed merge (MergedBy), and the
// change is written by the authors of the commits it brings in; any
// commit's Co-authored-by trailers name co-authors. Read from git, so it
// needs no API call and works without pull request lookups.
func authors(ctx context.Context, g git, l *Log) {
	for i := range l.Entries {
		e := &l.Entries[i]
		e.Authors = []string{}
		args := []string{"log", "-z", "--max-count=" + fmt.Sprint(maxChangeCommits+1),
			"--format=tformat:%H%x00%P%x00%an%x00%(trailers:key=Co-authored-by,valueonly,separator=%x1f)", e.Commit}
		if e.Parent != "" {
			args = append(args, "^"+e.Parent)
		} else {
			args = append(args, "--max-count=1")
		}
		out, err := g.output(ctx, args...)
		if err != nil {
			e.Authors = append(e.Authors, e.AuthorName)
			continue
		}
		e.Authors, e.MergedBy = parseAuthors(out, e.Commit, e.AuthorName)
	}
}

// parseAuthors reads the records of authors' git log: the entry's own
// commit first, then the commits it brings in when it is a merge.
func parseAuthors(out []byte, commit, fallback string) (names []string, mergedBy string) {
	fields := bytes.Split(out, []byte{0})
	seen := map[string]bool{}
	add := func(n string) {
		n = strings.TrimSpace(n)
		if n == "" || seen[strings.ToLower(n)] {
			return
		}
		seen[strings.ToLower(n)] = true
		names = append(names, n)
	}
	merge := false
	for i := 0; i+3 < len(fields); i += 4 {
		hash := strings.TrimLeft(string(fields[i]), "\n")
		parents := strings.Fields(string(fields[i+1]))
		author := string(fields[i+2])
		if strings.EqualFold(hash, commit) && len(parents) > 1 {
			merge, mergedBy = true, author
			continue
		}
		if len(parents) > 1 {
			continue // a merge inside the change: its author merged, others wrote
		}
		add(author)
		for _, co := range strings.Split(string(fields[i+3]), "\x1f") {
			// "Name <email>": the name is enough, and keeps addresses out.
			name, _, _ := strings.Cut(co, "<")
			add(name)
		}
	}
	if len(names) == 0 {
		add(fallback)
	}
	if !merge {
		mergedBy = ""
	}
	if mergedBy != "" && seen[strings.ToLower(mergedBy)] {
		mergedBy = "" // merged their own change: the authors say it
	}
	return names, mergedBy
}
