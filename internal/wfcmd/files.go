package wfcmd

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// WriteOutputs appends outputs to the runner's GITHUB_OUTPUT file. Every
// value uses the heredoc form with a random delimiter that the value does not
// contain, so no value (multi-line, or text that came from AWS) can end its
// own entry early and inject another output.
func WriteOutputs(path string, outputs [][2]string) error {
	var b strings.Builder
	for _, kv := range outputs {
		name, value := kv[0], kv[1]
		if name == "" || strings.ContainsAny(name, "<=\r\n") {
			return fmt.Errorf("invalid output name %q", name)
		}
		delim, err := delimiter(value)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", name, delim, value, delim)
	}
	return AppendFile(path, b.String())
}

func delimiter(value string) (string, error) {
	for range 8 {
		buf := make([]byte, 16)
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		d := "ghadelimiter_" + hex.EncodeToString(buf)
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("could not choose an output delimiter")
}

// AppendFile appends to a runner file command file (GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY). The runner creates them; the container runs as root
// so that it may write them.
func AppendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
