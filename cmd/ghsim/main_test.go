package main

import (
	"bufio"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGhsimServesGeneratedOrg(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "app.pem")
	statsFile := filepath.Join(dir, "stats.json")
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-repos", "5", "-collaborators", "4", "-key-out", keyFile, "-stats-out", statsFile, "-latency", "1ms"}, pw, io.Discard, stop)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var ready struct {
		RESTURL        string `json:"rest_url"`
		GraphQLURL     string `json:"graphql_url"`
		AppID          int64  `json:"app_id"`
		InstallationID int64  `json:"installation_id"`
		Org            string `json:"org"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &ready))
	assert.True(t, strings.HasSuffix(ready.RESTURL, "/api/v3/"))
	assert.Equal(t, "acme", ready.Org)

	st, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	pemBytes, _ := os.ReadFile(keyFile)
	blk, _ := pem.Decode(pemBytes)
	require.NotNil(t, blk)
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pemBytes)
	require.NoError(t, err)
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"iss": ready.AppID, "iat": now.Unix() - 30, "exp": now.Unix() + 500}).SignedString(key)
	require.NoError(t, err)
	req, _ := http.NewRequest("GET", ready.RESTURL+"orgs/acme/installation", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)

	res, err = http.Get(strings.TrimSuffix(ready.RESTURL, "api/v3/") + "_ghsim/stats")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)

	close(stop)
	assert.Equal(t, 0, <-done)
	b, err := os.ReadFile(statsFile)
	require.NoError(t, err)
	var stats map[string]any
	require.NoError(t, json.Unmarshal(b, &stats))
	assert.Equal(t, float64(1), stats["requests"])
}

func TestGhsimBadFlags(t *testing.T) {
	assert.Equal(t, 2, run([]string{"-nope"}, io.Discard, io.Discard, nil))
	assert.Equal(t, 2, run([]string{"extra"}, io.Discard, io.Discard, nil))
}
