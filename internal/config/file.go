package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/callconf/callconf/internal/suggest"

	"go.yaml.in/yaml/v3"
)

// readConfigFile reads a JSON or YAML config file (by extension; otherwise by content: a file
// whose first non-blank byte is '{' is JSON) into a map. Its keys are checked by checkFileKeys.
func readConfigFile(path string) (map[string]any, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxConfigFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %v", err)
	}
	if len(b) > MaxConfigFileBytes {
		return nil, fmt.Errorf("the config file %s is larger than %d bytes", path, MaxConfigFileBytes)
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	isJSON := false
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		isJSON = true
	case ".yaml", ".yml":
	default:
		isJSON = bytes.HasPrefix(bytes.TrimSpace(b), []byte("{"))
	}
	if isJSON {
		return parseJSON(path, b)
	}
	return parseYAML(path, b)
}

func parseJSON(path string, b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the config file %s is not valid JSON: %v", path, jsonErr(b, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the config file %s is not valid JSON: data after the top-level object", path)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the config file %s must hold a JSON object, got %s", path, typeName(v))
	}
	return m, nil
}

// jsonErr adds the line number to a syntax error.
func jsonErr(b []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset <= int64(len(b)) {
		line := 1 + bytes.Count(b[:se.Offset], []byte("\n"))
		return fmt.Errorf("line %d: %v", line, err)
	}
	return err
}

func parseYAML(path string, b []byte) (map[string]any, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("the config file %s is not valid YAML: %v", path, err)
	}
	if v == nil {
		return map[string]any{}, nil // an empty file sets nothing
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the config file %s must hold a mapping of settings, got %s", path, typeName(v))
	}
	return m, nil
}

// checkFileKeys reports every key of the config file that is not a setting (typos must not pass
// silently), with a pointer to the right place for a token.
func (l *loader) checkFileKeys() {
	known := map[string]bool{}
	for _, s := range settings() {
		if s.file != "" {
			known[s.file] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(l.file)) {
		if known[k] {
			continue
		}
		where := "config file " + l.filePath + ": " + k
		switch strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(k)) {
		case "token", "bearertoken", "accesstoken", "authorization":
			l.errs = append(l.errs, fmt.Errorf("%s: a secret does not belong in the config file; set %s or point tokenFile (--token-file) at a file holding the token", where, EnvToken))
		case "clientsecret", "oauthclientsecret":
			l.errs = append(l.errs, fmt.Errorf("%s: a secret does not belong in the config file; set %s or point oauthClientSecretFile (--oauth-client-secret-file) at a file holding the client secret", where, EnvOAuthClientSecret))
		default:
			msg := "unknown key"
			if s := closestKey(k, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			l.errs = append(l.errs, fmt.Errorf("%s: %s; known keys: %s", where, msg, strings.Join(sortedKnown(known), ", ")))
		}
	}
}

func sortedKnown(known map[string]bool) []string {
	return slices.Sorted(maps.Keys(known))
}

// closestKey returns the known key closest to k (see suggest.Closest).
func closestKey(k string, known map[string]bool) string {
	return suggest.Closest(k, sortedKnown(known))
}
