package reconcile

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

// The parsers of the settings' inputs (declare); what reaches them through
// the inputs, with the input's name in the message, is internal/inputs'
// test.

// recorder is a Declarations that answers every input empty and records
// which inputs a setting reads.
type recorder struct {
	public bool
	read   map[inputref.Ref]bool
}

func (r *recorder) Text(ref inputref.Ref) string             { r.read[ref] = true; return "" }
func (r *recorder) Bool(ref inputref.Ref) *bool              { r.read[ref] = true; return nil }
func (r *recorder) Flag(ref inputref.Ref) bool               { r.read[ref] = true; return false }
func (r *recorder) Document(ref inputref.Ref) *Document      { r.read[ref] = true; return nil }
func (r *recorder) File(ref inputref.Ref, _ FileKind) []byte { r.read[ref] = true; return nil }
func (r *recorder) Public() bool                             { return r.public }
func (r *recorder) Refuse(ref inputref.Ref, err error)       { panic(fmt.Sprint(ref, err)) }

// Each setting's declare reads every input the setting names, and only
// those: the refusals the entry point derives from the settings' inputs
// (public: true, state: absent) cover what Declare reads.
// With nothing declared, nothing is managed.
func TestEverySettingDeclaresItsInputs(t *testing.T) {
	t.Parallel()
	owner := map[inputref.Ref]string{}
	for _, s := range allSettings {
		for _, in := range s.inputs {
			owner[in] = s.name
		}
	}
	for _, s := range allSettings {
		if (s.declare == nil) != (len(s.inputs) == 0) {
			t.Errorf("%s: inputs %v, declare set %v: a setting with inputs declares them", s.name, s.inputs, s.declare != nil)
			continue
		}
		if s.declare == nil {
			continue
		}
		r := &recorder{public: !s.private, read: map[inputref.Ref]bool{}}
		var spec Spec
		s.declare(r, &spec)
		for _, in := range s.inputs {
			if !r.read[in] {
				t.Errorf("%s does not read its input %s", s.name, in)
			}
		}
		for in := range r.read {
			if o, ok := owner[in]; !ok {
				t.Errorf("%s reads %s, which no setting lists in its inputs", s.name, in)
			} else if o != s.name {
				t.Errorf("%s reads %s, an input of %s", s.name, in, o)
			}
		}
		if s.managed(spec) {
			t.Errorf("%s is managed with none of its inputs set", s.name)
		}
	}
}

var (
	wantErr  = testsupport.WantErr
	readSeed = testsupport.Seed
)

func TestParseTags(t *testing.T) {
	t.Parallel()
	valid := []struct {
		in   string
		want map[string]string
	}{
		{"", nil},
		{" \n ", nil},
		{readSeed(t, "tags-lines.txt"), map[string]string{
			"team": "platform", "env": "prod", "cost-center": "1234", "owner": "ops@example.com", "url": "https://example.com/a=b", "empty": "",
		}},
		{readSeed(t, "tags.json"), map[string]string{"team": "platform", "env": "prod", "Name": "my app: v1.2 / +x=y@z"}},
		{"a=1,a=1", map[string]string{"a": "1"}},
		{"Équipe=données, 名前=値", map[string]string{"Équipe": "données", "名前": "値"}},
		{`{"a=b": " spaced "}`, map[string]string{"a=b": " spaced "}},
		{`{}`, map[string]string{}},
		{"AWSome=yes", map[string]string{"AWSome": "yes"}},
	}
	for _, tt := range valid {
		got, err := parseTags(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseTags(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	var fifty, fiftyOne []string
	for i := range 51 {
		if i < 50 {
			fifty = append(fifty, "k"+strings.Repeat("x", i)+"=v")
		}
		fiftyOne = append(fiftyOne, "k"+strings.Repeat("x", i)+"=v")
	}
	if got, err := parseTags(strings.Join(fifty, "\n")); err != nil || len(got) != 50 {
		t.Errorf("50 tags: %d, %v", len(got), err)
	}
	invalid := []struct {
		in   string
		want []string
	}{
		{"team", []string{`tag "team" has no "="`, "write key=value"}},
		{"=v", []string{"empty key", "write key=value"}},
		{"aws:x=1", []string{`tag key "aws:x" starts with "aws:", which is reserved for AWS; use another key`}},
		{"AWS:Name=1", []string{`"AWS:Name" starts with "aws:"`}},
		{strings.Repeat("k", 129) + "=v", []string{"is 129 characters; use at most 128"}},
		{"k=" + strings.Repeat("v", 257), []string{`the value of tag "k" is 257 characters; use at most 256`}},
		{"a=1\na=2", []string{`tag key "a" is given twice with different values ("1" and "2"); keep one`}},
		{"k!=v", []string{`tag key "k!" has characters AWS does not allow`, "use only letters"}},
		{"k=v;w", []string{`the value of tag "k" has characters`}},
		{"k=\xff", []string{`the value of tag "k" has characters`}},
		{strings.Join(fiftyOne, ","), []string{"51 tags given; ECR allows at most 50", "remove some"}},
		{`{"a": 1}`, []string{`tag "a" has the value 1, which is not a string`, `quote it, for example "a": "1"`}},
		{`{"a": null}`, []string{`tag "a" has the value null`}},
		{`{"a": "1",}`, []string{"not valid JSON", "write a JSON object of strings"}},
		{`{"a": "1"} x`, []string{"text after the JSON object"}},
		{`{"a": "1", "a": "2"}`, []string{`"a" is given twice`}},
		{`{"aws:a": "1"}`, []string{`reserved for AWS`}},
	}
	for _, tt := range invalid {
		_, err := parseTags(tt.in)
		wantErr(t, err, tt.want...)
	}
}

func TestParseList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{" , \n ,", nil},
		{"a", []string{"a"}},
		{"b, a\r\nc,,a\n b ", []string{"b", "a", "c"}},
		{"A,a", []string{"A", "a"}},
	}
	for _, tt := range tests {
		if got := parseList(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseList(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseMutability(t *testing.T) {
	t.Parallel()
	valid := []struct {
		value, filters string
		want           *Mutability
	}{
		{"", "", nil},
		{"immutable", "", &Mutability{Value: "IMMUTABLE"}},
		{" Mutable ", "", &Mutability{Value: "MUTABLE"}},
		{"immutable_with_exclusion", readSeed(t, "exclusion-filters.txt"),
			&Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"*.rc*", "dev-*", "latest", "pr-*"}}},
		{"MUTABLE_WITH_EXCLUSION", "release-*, release-*", &Mutability{Value: "MUTABLE_WITH_EXCLUSION", Filters: []string{"release-*"}}},
		{"IMMUTABLE_WITH_EXCLUSION", "*", &Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"*"}}},
		{"IMMUTABLE_WITH_EXCLUSION", "a,b,c,d,e", &Mutability{Value: "IMMUTABLE_WITH_EXCLUSION", Filters: []string{"a", "b", "c", "d", "e"}}},
	}
	for _, tt := range valid {
		got, err := parseMutability(tt.value, tt.filters)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMutability(%q, %q) = %+v, %v; want %+v", tt.value, tt.filters, got, err, tt.want)
		}
	}
	invalid := []struct {
		value, filters string
		want           []string
	}{
		{"", "latest", []string{"is empty, but image-tag-mutability-exclusion-filters is set", "set it to IMMUTABLE_WITH_EXCLUSION"}},
		{"frozen", "", []string{`"frozen" is not a tag mutability`, "use MUTABLE, IMMUTABLE"}},
		{"IMMUTABLE", "latest", []string{"IMMUTABLE takes no exclusion filters; use IMMUTABLE_WITH_EXCLUSION", "remove image-tag-mutability-exclusion-filters"}},
		{"IMMUTABLE_WITH_EXCLUSION", " , ", []string{"needs exclusion filters", "give 1 to 5"}},
		{"MUTABLE_WITH_EXCLUSION", "a,b,c,d,e,f", []string{"6 exclusion filters given; ECR allows at most 5"}},
		{"MUTABLE_WITH_EXCLUSION", "v1/x", []string{`exclusion filter "v1/x" is not valid`, "with * as a wildcard"}},
		{"MUTABLE_WITH_EXCLUSION", strings.Repeat("a", 129), []string{"is not valid", "up to 128"}},
	}
	for _, tt := range invalid {
		_, err := parseMutability(tt.value, tt.filters)
		wantErr(t, err, tt.want...)
	}
}

func TestParseEncryption(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:kms:us-east-1:111122223333:"
	valid := []struct {
		typ, key string
		want     *Encryption
	}{
		{"", "", nil},
		{"aes256", "", &Encryption{Type: "AES256"}},
		{"kms", "", &Encryption{Type: "KMS"}},
		{"KMS_DSSE", "1234abcd-12ab-34cd-56ef-1234567890ab", &Encryption{Type: "KMS_DSSE", KMSKey: "1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"KMS", "mrk-1234abcd12ab34cd56ef1234567890ab", &Encryption{Type: "KMS", KMSKey: "mrk-1234abcd12ab34cd56ef1234567890ab"}},
		{"KMS", arn + "key/1234abcd-12ab-34cd-56ef-1234567890ab", &Encryption{Type: "KMS", KMSKey: arn + "key/1234abcd-12ab-34cd-56ef-1234567890ab"}},
		{"KMS", "alias/ecr/images", &Encryption{Type: "KMS", KMSKey: "alias/ecr/images"}},
		{"KMS", " arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/my_key ", &Encryption{Type: "KMS", KMSKey: "arn:aws-us-gov:kms:us-gov-west-1:111122223333:alias/my_key"}},
	}
	for _, tt := range valid {
		got, err := parseEncryption(tt.typ, tt.key)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseEncryption(%q, %q) = %+v, %v; want %+v", tt.typ, tt.key, got, err, tt.want)
		}
	}
	invalid := []struct {
		typ, key string
		want     []string
	}{
		{"", "alias/x", []string{"is empty, but kms-key is set", "set encryption-type to KMS"}},
		{"AES256", "alias/x", []string{"AES256 encryption does not use a KMS key", "remove kms-key"}},
		{"sse", "", []string{`"sse" is not an encryption type`, "use AES256, KMS or KMS_DSSE"}},
		{"KMS", "my-key", []string{`"my-key" is not a KMS key reference`, "use a key ID"}},
		{"KMS", "alias/", []string{"is not a KMS key reference"}},
		{"KMS", arn + "key/not-a-uuid", []string{"is not a KMS key reference"}},
		{"KMS", "arn:aws:kms:us-east-1:1111:alias/x", []string{"is not a KMS key reference"}},
	}
	for _, tt := range invalid {
		_, err := parseEncryption(tt.typ, tt.key)
		wantErr(t, err, tt.want...)
	}
}

// Every value the SDK lists for the two enums is one the parsers handle:
// an SDK update with a new value fails here, where the parser decides what
// the value means, instead of being listed as allowed and refused.
func TestEveryEnumValueIsHandled(t *testing.T) {
	t.Parallel()
	for _, v := range types.ImageTagMutability("").Values() {
		filters := ""
		if strings.HasSuffix(string(v), "_WITH_EXCLUSION") {
			filters = "latest"
		}
		if _, err := parseMutability(string(v), filters); err != nil {
			t.Errorf("image-tag-mutability %s: %v", v, err)
		}
	}
	for _, v := range types.EncryptionType("").Values() {
		if _, err := parseEncryption(string(v), ""); err != nil {
			t.Errorf("encryption-type %s: %v", v, err)
		}
	}
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{readSeed(f, "tags-lines.txt"), readSeed(f, "tags.json"), "a=1,a=2", `{"a":null}`, "aws:x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tags, err := parseTags(s)
		if err != nil {
			return
		}
		if tags == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("%q gave no tags and no error", s)
			}
			return // not managed
		}
		if len(tags) > ecrspec.MaxTags {
			t.Fatalf("%d tags", len(tags))
		}
		for k, v := range tags {
			if n := utf8.RuneCountInString(k); n < 1 || n > ecrspec.MaxTagKeyChars {
				t.Fatalf("key %q has %d characters", k, n)
			}
			if n := utf8.RuneCountInString(v); n > ecrspec.MaxTagValueChars {
				t.Fatalf("value %q has %d characters", v, n)
			}
			if strings.HasPrefix(strings.ToLower(k), "aws:") || !tagChars.MatchString(k) || !tagChars.MatchString(v) {
				t.Fatalf("tag %q=%q breaks AWS rules", k, v)
			}
		}
		// The result written back as JSON parses to the same tags.
		b, err := json.Marshal(tags)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseTags(string(b))
		if err != nil || !maps.Equal(again, tags) {
			t.Fatalf("JSON round trip of %v gave %v, %v", tags, again, err)
		}
	})
}

func FuzzParseList(f *testing.F) {
	for _, s := range []string{readSeed(f, "exclusion-filters.txt"), "team/app\n\n web , api \n", " , \n", "a,a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list := parseList(s)
		seen := map[string]bool{}
		for _, it := range list {
			if it == "" || it != strings.TrimSpace(it) || strings.ContainsAny(it, ",\n") || seen[it] {
				t.Fatalf("bad item %q in %q", it, list)
			}
			seen[it] = true
		}
		if again := parseList(strings.Join(list, ",")); !slices.Equal(again, list) {
			t.Fatalf("not stable: %q then %q", list, again)
		}
	})
}

func FuzzParseMutability(f *testing.F) {
	filters := readSeed(f, "exclusion-filters.txt")
	for _, v := range []string{"", "mutable", "IMMUTABLE_WITH_EXCLUSION", "mutable_with_exclusion", "x"} {
		f.Add(v, filters)
		f.Add(v, "")
	}
	f.Fuzz(func(t *testing.T, value, filters string) {
		m, err := parseMutability(value, filters)
		if err != nil || m == nil {
			if err == nil && (strings.TrimSpace(value) != "" || len(parseList(filters)) > 0) {
				t.Fatalf("(%q, %q) gave nil without an error", value, filters)
			}
			return
		}
		withExclusion := strings.HasSuffix(m.Value, "_WITH_EXCLUSION")
		if !slices.Contains([]string{"MUTABLE", "IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"}, m.Value) ||
			withExclusion != (len(m.Filters) > 0) || len(m.Filters) > ecrspec.MaxExclusionFilters ||
			!slices.IsSorted(m.Filters) || len(slices.Compact(slices.Clone(m.Filters))) != len(m.Filters) {
			t.Fatalf("(%q, %q) gave %+v", value, filters, m)
		}
		for _, fl := range m.Filters {
			if !exclusionFilter.MatchString(fl) {
				t.Fatalf("filter %q accepted", fl)
			}
		}
		again, err := parseMutability(m.Value, strings.Join(m.Filters, "\n"))
		if err != nil || !reflect.DeepEqual(again, m) {
			t.Fatalf("%+v not stable: %+v, %v", m, again, err)
		}
	})
}

// An invalid value is quoted by a short prefix only, and the message says
// where in it the problem is.
func TestTagMessagesQuoteAShortPrefixAndSayWhere(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 100_000)
	tests := []struct {
		value string
		want  []string
	}{
		{"a=1,b=2," + huge, []string{"entry 3: tag \"xxxx", "… (100000 characters in all)", "has no \"=\""}},
		{"a=1\n" + huge + "=v", []string{"entry 2: tag key \"xxx", "… (100000 characters in all) is 100000 characters"}},
		{"{\"a\": \"1\",\n  \"b\": " + "[" + strings.Repeat("1,", 50_000) + "1]}", []string{"line 2, column 3: tag \"b\" has the value [1,1,", "… (100003 characters in all), which is not a string"}},
		{"{\"a\": \"1\",\n \"b\" 2}", []string{"tags are not valid JSON at line 2, column 6"}},
		{"k=v\nk=w", []string{"entry 2: tag key \"k\" is given twice"}},
	}
	for _, tt := range tests {
		_, err := parseTags(tt.value)
		if err == nil {
			t.Errorf("parseTags(%.20q…) = nil error", tt.value)
			continue
		}
		if len(err.Error()) > 400 {
			t.Errorf("parseTags(%.20q…): message of %d bytes: %.300s", tt.value, len(err.Error()), err)
		}
		wantErr(t, err, tt.want...)
	}
}
