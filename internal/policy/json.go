// Package policy validates, compares and displays the two JSON documents an
// ECR repository carries: its repository (resource-based IAM) policy and its
// lifecycle policy. Validation mirrors what ECR accepts so that mistakes are
// reported with a fix before any API call; comparison is by meaning, because
// ECR returns a re-formatted text.
package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds nesting: no policy needs more, and it keeps the recursive
// decoder safe on hostile input.
const maxDepth = 64

// decodeJSON parses one JSON value keeping numbers exact (json.Number) and
// refusing duplicate object keys, which encoding/json would silently collapse
// and which would then hide part of the document from validation.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, syntaxError(text, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, syntaxError(text, dec, errors.New("unexpected text after the end of the JSON document"))
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("the document is empty or ends too early")
		}
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := kt.(string) // the decoder guarantees a string key here
			if _, dup := obj[key]; dup {
				return nil, fmt.Errorf("key %q appears twice in the same object", key)
			}
			if obj[key], err = decodeValue(dec, depth+1); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token() // '}'
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token() // ']'
		return arr, err
	}
	return tok, nil
}

// syntaxError locates err in text as line and column, which is what people
// need to find a missing comma in a file.
func syntaxError(text string, dec *json.Decoder, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	off = min(off, len(text))
	before := text[:off]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("not valid JSON: %v (near line %d, column %d); check for missing commas, quotes or brackets", err, line, col)
}

// decodeObject decodes text that must be a JSON object; what names the
// document in the error ("repository policy").
func decodeObject(text, what string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("the %s is empty; write a JSON object", what)
	}
	v, err := decodeJSON(text)
	if err != nil {
		return nil, fmt.Errorf("the %s is %w", what, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the %s must be a JSON object ({...}), not %s", what, kind(v))
	}
	return obj, nil
}

// encode writes v as JSON with sorted keys, exact numbers and no HTML
// escaping; indent "" gives the compact form.
func encode(v any, indent string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		// Values come from decodeJSON, which only yields encodable types.
		panic(fmt.Sprintf("policy: encoding decoded JSON: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// kind names a decoded JSON value's type for error messages.
func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// charCount counts characters the way ECR's length limits do.
func charCount(s string) int { return utf8.RuneCountInString(s) }
