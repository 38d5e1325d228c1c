package ghapi

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	jwt "github.com/golang-jwt/jwt/v4"
)

// Environment variables read by CredentialsFromEnv.
const (
	EnvAppID          = "PERMSYNC_APP_ID"
	EnvPrivateKey     = "PERMSYNC_APP_PRIVATE_KEY"
	EnvPrivateKeyFile = "PERMSYNC_APP_PRIVATE_KEY_FILE"
	EnvInstallationID = "PERMSYNC_INSTALLATION_ID"
	EnvToken          = "GITHUB_TOKEN"
)

// Credentials say how permsync authenticates: as a GitHub App (preferred)
// or with a token. They hold secrets, so String and GoString never show
// them, and no error built here quotes them.
type Credentials struct {
	// AppID and the parsed private key make a GitHub App.
	AppID int64
	key   *rsa.PrivateKey
	// InstallationID skips the per-org installation lookup; it is only
	// valid when one org is used.
	InstallationID int64
	// token is GITHUB_TOKEN (or any personal or installation token).
	token string
}

// AppCredentials returns App credentials from a PEM private key (PKCS#1
// or PKCS#8). The error never quotes the key.
func AppCredentials(appID int64, privateKeyPEM []byte, installationID int64) (Credentials, error) {
	RegisterSecret(string(privateKeyPEM))
	if appID <= 0 {
		return Credentials{}, fmt.Errorf("the GitHub App id must be a positive number")
	}
	key, err := parsePrivateKey(privateKeyPEM)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AppID: appID, key: key, InstallationID: installationID}, nil
}

// TokenCredentials returns credentials for a token such as GITHUB_TOKEN.
func TokenCredentials(token string) Credentials {
	RegisterSecret(token)
	return Credentials{token: strings.TrimSpace(token)}
}

// IsApp reports whether the credentials are a GitHub App's.
func (c Credentials) IsApp() bool { return c.key != nil }

// IsZero reports whether no credentials are set.
func (c Credentials) IsZero() bool { return c.key == nil && c.token == "" }

// String describes the credentials without any secret.
func (c Credentials) String() string {
	switch {
	case c.IsApp() && c.InstallationID != 0:
		return fmt.Sprintf("GitHub App %d (installation %d)", c.AppID, c.InstallationID)
	case c.IsApp():
		return fmt.Sprintf("GitHub App %d", c.AppID)
	case c.token != "":
		return "token"
	}
	return "no credentials"
}

// GoString keeps %#v from printing the key or the token.
func (c Credentials) GoString() string { return "ghapi.Credentials{" + c.String() + "}" }

// CredentialsFromEnv reads the credentials from the environment:
// PERMSYNC_APP_ID with PERMSYNC_APP_PRIVATE_KEY (the PEM text) or
// PERMSYNC_APP_PRIVATE_KEY_FILE, and optionally PERMSYNC_INSTALLATION_ID;
// else GITHUB_TOKEN. getenv is os.Getenv outside tests.
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	appID, keyText, keyFile, instID, token := get(EnvAppID), getenv(EnvPrivateKey), get(EnvPrivateKeyFile), get(EnvInstallationID), get(EnvToken)
	hasKey := strings.TrimSpace(keyText) != "" || keyFile != ""
	// Every secret is known to Redact before anything can quote it, and so
	// is any value in the wrong variable (a key pasted as the id or the
	// file name): no error or log line can echo one.
	RegisterSecret(keyText)
	RegisterSecret(token)
	for _, v := range []string{appID, instID} {
		if !isPositiveInt(v) {
			RegisterSecret(v)
		}
	}
	if keyFile != "" && !looksLikePath(keyFile) {
		RegisterSecret(keyFile)
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return Credentials{}, fmt.Errorf("%s holds spaces or line breaks, so it is not a token: set it to the token alone", EnvToken)
	}

	if appID == "" && !hasKey {
		if instID != "" {
			return Credentials{}, fmt.Errorf("%s is set but %s is not: the installation id is only used with a GitHub App", EnvInstallationID, EnvAppID)
		}
		if token != "" {
			return TokenCredentials(token), nil
		}
		return Credentials{}, fmt.Errorf("no GitHub credentials: set %s and %s (or %s) for a GitHub App, or %s",
			EnvAppID, EnvPrivateKey, EnvPrivateKeyFile, EnvToken)
	}
	if appID == "" {
		return Credentials{}, fmt.Errorf("a GitHub App private key is set but %s is not", EnvAppID)
	}
	id, err := strconv.ParseInt(appID, 10, 64)
	if err != nil || id <= 0 {
		// The value is not quoted: a key pasted into the wrong variable must not leak.
		return Credentials{}, fmt.Errorf("%s must be the App's numeric id (a positive number, as shown on the App's settings page)", EnvAppID)
	}
	if !hasKey {
		return Credentials{}, fmt.Errorf("%s is set but neither %s nor %s is", EnvAppID, EnvPrivateKey, EnvPrivateKeyFile)
	}
	if strings.TrimSpace(keyText) != "" && keyFile != "" {
		return Credentials{}, fmt.Errorf("set only one of %s and %s", EnvPrivateKey, EnvPrivateKeyFile)
	}
	var pem []byte
	source := EnvPrivateKey
	if keyFile != "" {
		source = EnvPrivateKeyFile
		if !looksLikePath(keyFile) {
			return Credentials{}, fmt.Errorf("%s does not hold a file name (its value is not shown: it looks like a key or a token); put the key's PEM text in %s, or the path of a file holding it in %s",
				EnvPrivateKeyFile, EnvPrivateKey, EnvPrivateKeyFile)
		}
		pem, err = os.ReadFile(keyFile)
		if err != nil {
			// The os error names the path and the cause, never the content.
			return Credentials{}, fmt.Errorf("%s: cannot read the private key file: %w", EnvPrivateKeyFile, pathError(err))
		}
		RegisterSecret(string(pem))
	} else {
		pem = []byte(keyText)
	}
	var inst int64
	if instID != "" {
		inst, err = strconv.ParseInt(instID, 10, 64)
		if err != nil || inst <= 0 {
			return Credentials{}, fmt.Errorf("%s must be a numeric installation id", EnvInstallationID)
		}
	}
	c, err := AppCredentials(id, pem, inst)
	if err != nil {
		return Credentials{}, fmt.Errorf("%s: %w", source, err)
	}
	return c, nil
}

func isPositiveInt(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

// looksLikePath tells a file name from a key, a key's body or a token
// pasted into PERMSYNC_APP_PRIVATE_KEY_FILE, so that only a file name is
// ever quoted.
func looksLikePath(s string) bool {
	if s == "" || len(s) > 1024 || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return false
	}
	if strings.Contains(s, "-----") || redact(s) != s {
		return false
	}
	// A long run of base64 with no separator or extension is a key's
	// body, not a name; so is a path segment of 20 or more base64
	// characters mixing digits and both cases (a line of a key split at
	// its '/').
	if len(s) >= 40 && !strings.ContainsAny(s, "/\\.") {
		return false
	}
	for _, seg := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if len(seg) >= 20 && keyLike(seg) {
			return false
		}
	}
	return true
}

// keyLike: random base64 has about as many capitals as small letters and
// some digits; names (TestSomething1234, MyAppKey2024) have few capitals.
func keyLike(s string) bool {
	var digit, upper, lower int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit++
		case r >= 'A' && r <= 'Z':
			upper++
		case r >= 'a' && r <= 'z':
			lower++
		case r == '+' || r == '=':
		default:
			return false
		}
	}
	return digit > 0 && upper*4 >= len(s) && lower*4 >= len(s)
}

// parsePrivateKey reads an RSA key in PEM form. CI secret stores often turn
// newlines into a literal "\n"; that form is accepted too. The error is
// ours, not the parser's, so that no fragment of the key can leak into it.
func parsePrivateKey(pem []byte) (*rsa.PrivateKey, error) {
	text := strings.TrimSpace(string(pem))
	if !strings.Contains(text, "\n") && strings.Contains(text, `\n`) {
		text = strings.ReplaceAll(text, `\n`, "\n")
	}
	if text == "" {
		return nil, errors.New("the private key is empty")
	}
	if !strings.HasPrefix(text, "-----BEGIN ") {
		return nil, errors.New("the private key is not in PEM form (it should start with -----BEGIN RSA PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----)")
	}
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(text))
	if err != nil {
		return nil, errors.New("the private key is not a valid RSA private key in PEM form (PKCS#1 or PKCS#8); download a new one from the App's settings")
	}
	return key, nil
}

// pathError keeps an *os.PathError's operation, path and cause.
func pathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
	}
	return err
}
