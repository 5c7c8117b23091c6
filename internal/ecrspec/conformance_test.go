package ecrspec_test

// The conformance test ties ecr-reconcile's constraints to ECR's service
// model: the values in ecrspec, and the behaviour of the input validator
// (internal/inputs, internal/policy) and of the emulator (over HTTP through
// the real SDK), must match what the model says. The model is read from the
// botocore data of the machine's python3 (the one that ships moto); where it
// is not installed the test is skipped with a notice.

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputs"
	"github.com/ecr-reconcile/ecr-reconcile/internal/policy"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/emulator"
	"github.com/ecr-reconcile/ecr-reconcile/internal/support/testsupport"
)

const modelPath = "data/ecr/2015-09-21/service-2.json"

// shape is the part of a service-model shape the test reads.
type shape struct {
	Type          string            `json:"type"`
	Min           *int              `json:"min"`
	Max           *int              `json:"max"`
	Pattern       string            `json:"pattern"`
	Enum          []string          `json:"enum"`
	Documentation string            `json:"documentation"`
	Members       map[string]member `json:"members"`
}

type member struct {
	Shape         string `json:"shape"`
	Documentation string `json:"documentation"`
}

// serviceModel returns ECR's service model, or skips the test.
func serviceModel(t *testing.T) map[string]shape {
	t.Helper()
	m, err := loadModel()
	shapes, path := m.shapes, m.path
	if err != nil {
		t.Fatal(err)
	}
	if shapes == nil {
		t.Skipf("SKIPPED: ECR's service model (botocore %s) is not on this machine; install python3 with botocore (moto ships it) to run the conformance test", modelPath)
	}
	t.Logf("ECR service model: %s", path)
	return shapes
}

type foundModel struct {
	shapes     map[string]shape
	operations []string // sorted
	path       string
}

// loadModel finds and reads the model once for all tests.
var loadModel = sync.OnceValues(func() (foundModel, error) { return findModel(modelPath) })

// findModel reads a service model of botocore's data (relPath, or relPath
// with .gz); a zero foundModel when botocore is not on the machine.
func findModel(relPath string) (foundModel, error) {
	var dirs []string
	// The python3 on PATH first: it is the one that runs moto.
	if out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	for _, g := range []string{
		"/usr/lib/python3*/dist-packages/botocore",
		"/usr/local/lib/python3*/*-packages/botocore",
		os.Getenv("HOME") + "/.pyenv/versions/*/lib/python3*/site-packages/botocore",
		os.Getenv("HOME") + "/.local/lib/python3*/site-packages/botocore",
	} {
		m, _ := filepath.Glob(g)
		dirs = append(dirs, m...)
	}
	for _, d := range dirs {
		for _, name := range []string{relPath, relPath + ".gz"} {
			path := filepath.Join(d, name)
			m, err := readModel(path)
			if os.IsNotExist(err) {
				continue
			}
			m.path = path
			return m, err
		}
	}
	return foundModel{}, nil
}

func readModel(path string) (foundModel, error) {
	f, err := os.Open(path)
	if err != nil {
		return foundModel{}, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return foundModel{}, fmt.Errorf("%s: %w", path, err)
		}
		r = gz
	}
	var doc struct {
		Shapes     map[string]shape           `json:"shapes"`
		Operations map[string]json.RawMessage `json:"operations"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return foundModel{}, fmt.Errorf("%s: %w", path, err)
	}
	return foundModel{shapes: doc.Shapes, operations: slices.Sorted(maps.Keys(doc.Operations))}, nil
}

func get(t *testing.T, model map[string]shape, name string) shape {
	t.Helper()
	s, ok := model[name]
	if !ok {
		t.Fatalf("the service model has no shape %s", name)
	}
	return s
}

func wantInt(t *testing.T, what string, got *int, want int) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s: the service model says %v, the project %d", what, deref(got), want)
	}
}

// enum turns the values of an SDK enum type into strings.
func enum[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func deref(p *int) any {
	if p == nil {
		return "nothing"
	}
	return *p
}

// TestConstantsMatchServiceModel compares every value in ecrspec with the
// model.
func TestConstantsMatchServiceModel(t *testing.T) {
	t.Parallel()
	model := serviceModel(t)

	name := get(t, model, "RepositoryName")
	if name.Pattern != ecrspec.RepositoryNamePattern {
		t.Errorf("RepositoryName pattern: model %q, project %q", name.Pattern, ecrspec.RepositoryNamePattern)
	}
	wantInt(t, "RepositoryName min", name.Min, ecrspec.MinRepositoryNameChars)
	wantInt(t, "RepositoryName max", name.Max, ecrspec.MaxRepositoryNameChars)
	wantInt(t, "RepositoryNameList max", get(t, model, "RepositoryNameList").Max, ecrspec.MaxNamesPerDescribe)
	wantInt(t, "MaxResults max", get(t, model, "MaxResults").Max, ecrspec.MaxResultsPerPage)
	wantInt(t, "LifecyclePreviewMaxResults max", get(t, model, "LifecyclePreviewMaxResults").Max, ecrspec.MaxPreviewResultsPerPage)

	// The enums the project reads from the SDK's types: the SDK the
	// project builds with must know every value of the model, and no other.
	for shape, values := range map[string][]string{
		"ImageTagMutability":                    enum(types.ImageTagMutability("").Values()),
		"ImageTagMutabilityExclusionFilterType": enum(types.ImageTagMutabilityExclusionFilterType("").Values()),
		"EncryptionType":                        enum(types.EncryptionType("").Values()),
		"ScanType":                              enum(types.ScanType("").Values()),
		"ScanFrequency":                         enum(types.ScanFrequency("").Values()),
		"ScanningRepositoryFilterType":          enum(types.ScanningRepositoryFilterType("").Values()),
		"RCTAppliedFor":                         enum(types.RCTAppliedFor("").Values()),
		"TagStatus":                             enum(types.TagStatus("").Values()),
		"ImageActionType":                       enum(types.ImageActionType("").Values()),
	} {
		if e := get(t, model, shape).Enum; !slices.Equal(slices.Sorted(slices.Values(e)), slices.Sorted(slices.Values(values))) {
			t.Errorf("%s: model %q, the SDK's types %q", shape, e, values)
		}
	}
	filters := get(t, model, "ImageTagMutabilityExclusionFilters")
	wantInt(t, "ImageTagMutabilityExclusionFilters min", filters.Min, 1)
	wantInt(t, "ImageTagMutabilityExclusionFilters max", filters.Max, ecrspec.MaxExclusionFilters)
	filter := get(t, model, "ImageTagMutabilityExclusionFilterValue")
	if filter.Pattern != ecrspec.ExclusionFilterPattern {
		t.Errorf("exclusion filter pattern: model %q, project %q", filter.Pattern, ecrspec.ExclusionFilterPattern)
	}
	wantInt(t, "exclusion filter max", filter.Max, ecrspec.MaxExclusionFilterChars)

	wantInt(t, "RepositoryPolicyText max", get(t, model, "RepositoryPolicyText").Max, ecrspec.MaxRepositoryPolicyChars)
	lc := get(t, model, "LifecyclePolicyText")
	wantInt(t, "LifecyclePolicyText min", lc.Min, ecrspec.MinLifecyclePolicyChars)
	wantInt(t, "LifecyclePolicyText max", lc.Max, ecrspec.MaxLifecyclePolicyChars)
	kms := get(t, model, "KmsKey")
	wantInt(t, "KmsKey min", kms.Min, ecrspec.MinKMSKeyChars)
	wantInt(t, "KmsKey max", kms.Max, ecrspec.MaxKMSKeyChars)
	if p := get(t, model, "RegistryId").Pattern; p != ecrspec.RegistryIDPattern {
		t.Errorf("RegistryId pattern: model %q, project %q", p, ecrspec.RegistryIDPattern)
	}

	// The model gives tag limits in prose only; read them from it, and
	// fail if it ever adds machine-readable constraints we do not follow.
	for _, s := range []string{"TagKey", "TagValue"} {
		if sh := get(t, model, s); sh.Max != nil || sh.Pattern != "" {
			t.Errorf("%s now has constraints in the model (max %v, pattern %q): follow them in ecrspec", s, deref(sh.Max), sh.Pattern)
		}
	}
	number := func(doc, re string) int {
		m := regexp.MustCompile(re).FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("the model's documentation no longer says %q", re)
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	tooMany := get(t, model, "TooManyTagsException").Documentation
	if n := number(tooMany, `maximum number of tags that can be applied to a repository is (\d+)`); n != ecrspec.MaxTags {
		t.Errorf("tags per repository: model %d, project %d", n, ecrspec.MaxTags)
	}
	tag := get(t, model, "Tag").Documentation
	if n := number(tag, `Tag keys can have a maximum character length of (\d+)`); n != ecrspec.MaxTagKeyChars {
		t.Errorf("tag key length: model %d, project %d", n, ecrspec.MaxTagKeyChars)
	}
	if n := number(tag, `tag values can have a maximum length of (\d+)`); n != ecrspec.MaxTagValueChars {
		t.Errorf("tag value length: model %d, project %d", n, ecrspec.MaxTagValueChars)
	}
}

// client serves a fresh emulator and returns a real SDK client for it.
func client(t *testing.T) *ecr.Client {
	t.Helper()
	srv := httptest.NewServer(emulator.New(emulator.Options{}))
	t.Cleanup(srv.Close)
	return ecr.New(ecr.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDCONFORMANCE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      aws.NopRetryer{},
	})
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestNamesBehaveAsServiceModel: for a corpus of names, the model's
// pattern and length, the validator and the emulator give one verdict.
func TestNamesBehaveAsServiceModel(t *testing.T) {
	t.Parallel()
	model := serviceModel(t)
	name := get(t, model, "RepositoryName")
	re := regexp.MustCompile(`^(?:` + name.Pattern + `)$`)
	modelOK := func(s string) bool { return len(s) >= *name.Min && len(s) <= *name.Max && re.MatchString(s) }
	c := client(t)
	corpus := []string{
		"ab", "a", "team/app", "a.b", "a_b", "a__b", "a___b", "a-b", "a--b", "a---b", "a..b", "a._b", "a_.b", "a-_b", "a_-b",
		"a.-b", "a-.b", "-a", "a-", "_a", "a/", "/a", "a//b", "a/b/c", "A", "aB", "a b", "a:b", "0", "00", "a/_b", "a/b.c_d--e__f",
		strings.Repeat("a", 256), strings.Repeat("a", 257), strings.Repeat("a/", 127) + "ab", "é1",
	}
	for i, s := range corpus {
		want := modelOK(s)
		_, verr := inputs.ParseRepositoryName(s)
		// Each name in its own namespace, so that no name exists already.
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(s)})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("%d %q: model accepts=%v, validator %v, emulator %v", i, s, want, verr, eerr)
		}
	}
}

// validated is the inputs' verdict on a repository's settings: the error
// Load gives (the repository and Region are valid).
func validated(t *testing.T, settings map[string]string) error {
	t.Helper()
	in := map[string]string{"repository": "probe/app", "aws-region": "us-east-1"}
	maps.Copy(in, settings)
	_, err := inputs.Load(testsupport.NewStep(t, in, nil), t.TempDir())
	return err
}

// TestLimitsBehaveAsServiceModel probes each limit at and past its edge in
// the validator and the emulator.
func TestLimitsBehaveAsServiceModel(t *testing.T) {
	t.Parallel()
	model := serviceModel(t)
	c := client(t)
	n := 0
	repo := func() string { n++; return fmt.Sprintf("probe/r%d", n) }

	// Exclusion filters: the model's pattern and count.
	filterRE := regexp.MustCompile(get(t, model, "ImageTagMutabilityExclusionFilterValue").Pattern)
	maxFilters := *get(t, model, "ImageTagMutabilityExclusionFilters").Max
	for _, f := range []string{"latest", "dev-*", "*", "a.b_c", "a b", "a/b", "ä", "", strings.Repeat("x", 128), strings.Repeat("x", 129)} {
		want := filterRE.MatchString(f)
		verr := validated(t, map[string]string{"image-tag-mutability": string(types.ImageTagMutabilityImmutableWithExclusion), "image-tag-mutability-exclusion-filters": f})
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo()),
			ImageTagMutability:                 types.ImageTagMutabilityImmutableWithExclusion,
			ImageTagMutabilityExclusionFilters: []types.ImageTagMutabilityExclusionFilter{{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String(f)}}})
		if f == "" {
			want = false // an empty input means no filter: refused for _WITH_EXCLUSION
		}
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("filter %q: model accepts=%v, validator %v, emulator %v", f, want, verr, eerr)
		}
	}
	for _, count := range []int{maxFilters, maxFilters + 1} {
		var list []string
		var wire []types.ImageTagMutabilityExclusionFilter
		for i := range count {
			list = append(list, fmt.Sprint("f", i))
			wire = append(wire, types.ImageTagMutabilityExclusionFilter{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String(list[i])})
		}
		want := count <= maxFilters
		verr := validated(t, map[string]string{"image-tag-mutability": string(types.ImageTagMutabilityMutableWithExclusion), "image-tag-mutability-exclusion-filters": strings.Join(list, ",")})
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo()),
			ImageTagMutability: types.ImageTagMutabilityMutableWithExclusion, ImageTagMutabilityExclusionFilters: wire})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("%d filters: model accepts=%v, validator %v, emulator %v", count, want, verr, eerr)
		}
	}

	// Every enum value of the model is accepted by both; others by neither.
	for _, m := range append(slices.Clone(get(t, model, "ImageTagMutability").Enum), "SOMETIMES") {
		want := m != "SOMETIMES"
		var filters string
		var wire []types.ImageTagMutabilityExclusionFilter
		if strings.HasSuffix(m, "_WITH_EXCLUSION") {
			filters = "latest"
			wire = []types.ImageTagMutabilityExclusionFilter{{FilterType: types.ImageTagMutabilityExclusionFilterTypeWildcard, Filter: aws.String("latest")}}
		}
		verr := validated(t, map[string]string{"image-tag-mutability": m, "image-tag-mutability-exclusion-filters": filters})
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo()),
			ImageTagMutability: types.ImageTagMutability(m), ImageTagMutabilityExclusionFilters: wire})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("mutability %s: model accepts=%v, validator %v, emulator %v", m, want, verr, eerr)
		}
	}
	for _, e := range append(slices.Clone(get(t, model, "EncryptionType").Enum), "ROT13") {
		want := e != "ROT13"
		verr := validated(t, map[string]string{"encryption-type": e})
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo()),
			EncryptionConfiguration: &types.EncryptionConfiguration{EncryptionType: types.EncryptionType(e)}})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("encryption %s: model accepts=%v, validator %v, emulator %v", e, want, verr, eerr)
		}
	}

	// Tags: count, key and value lengths at the edge and past it.
	tagCases := []struct {
		name string
		tags map[string]string
		want bool
	}{
		{"max tags", manyTags(ecrspec.MaxTags), true},
		{"one tag too many", manyTags(ecrspec.MaxTags + 1), false},
		{"longest key", map[string]string{strings.Repeat("k", ecrspec.MaxTagKeyChars): "v"}, true},
		{"key too long", map[string]string{strings.Repeat("k", ecrspec.MaxTagKeyChars+1): "v"}, false},
		{"longest value", map[string]string{"k": strings.Repeat("v", ecrspec.MaxTagValueChars)}, true},
		{"value too long", map[string]string{"k": strings.Repeat("v", ecrspec.MaxTagValueChars+1)}, false},
	}
	for _, tc := range tagCases {
		text, _ := json.Marshal(tc.tags)
		verr := validated(t, map[string]string{"tags": string(text)})
		var wire []types.Tag
		for k, v := range tc.tags {
			wire = append(wire, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		_, eerr := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(repo()), Tags: wire})
		if (verr == nil) != tc.want || (eerr == nil) != tc.want {
			t.Errorf("%s: ECR accepts=%v, validator %v, emulator %v", tc.name, tc.want, verr, eerr)
		}
	}

	// Policy sizes: a valid policy padded with whitespace to the model's
	// maximum is accepted by both; one character more by neither.
	create := func(name string) {
		if _, err := c.CreateRepository(ctx(t), &ecr.CreateRepositoryInput{RepositoryName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	create("probe/policies")
	repoMax := *get(t, model, "RepositoryPolicyText").Max
	const repoPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"ecr:BatchGetImage"}]}`
	for _, size := range []int{repoMax, repoMax + 1} {
		text := pad(repoPolicy, size)
		want := size <= repoMax
		verr := policy.ValidateRepositoryPolicy(text)
		_, eerr := c.SetRepositoryPolicy(ctx(t), &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("probe/policies"), PolicyText: aws.String(text)})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("repository policy of %d characters: model accepts=%v, validator %v, emulator %v", size, want, verr, eerr)
		}
	}
	lc := get(t, model, "LifecyclePolicyText")
	const smallest = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`
	if err := policy.ValidateLifecyclePolicy(smallest); err != nil || len(smallest) < *lc.Min {
		// The validator has no minimum-length check because no valid
		// policy can be shorter than the model's minimum.
		t.Errorf("the smallest valid lifecycle policy (%d characters, %v) is below the model's minimum %d", len(smallest), err, *lc.Min)
	}
	for _, size := range []int{*lc.Max, *lc.Max + 1} {
		text := pad(smallest, size)
		want := size <= *lc.Max
		verr := policy.ValidateLifecyclePolicy(text)
		_, eerr := c.PutLifecyclePolicy(ctx(t), &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("probe/policies"), LifecyclePolicyText: aws.String(text)})
		if (verr == nil) != want || (eerr == nil) != want {
			t.Errorf("lifecycle policy of %d characters: model accepts=%v, validator %v, emulator %v", size, want, verr, eerr)
		}
	}
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	return m
}

// pad appends spaces to a JSON text until it has size characters.
func pad(text string, size int) string {
	return text + strings.Repeat(" ", size-len(text))
}

// The preview budget is ECR's own waiter for a preview: the model's
// LifecyclePolicyPreviewComplete waiter, read from waiters-2.json beside
// the service model.
func TestPreviewWaiterMatchesTheModel(t *testing.T) {
	t.Parallel()
	serviceModel(t)
	m, _ := loadModel()
	var data []byte
	for _, name := range []string{"waiters-2.json", "waiters-2.json.gz"} {
		f, err := os.Open(filepath.Join(filepath.Dir(m.path), name))
		if err != nil {
			continue
		}
		var r io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		data, err = io.ReadAll(r)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if data == nil {
		t.Fatalf("no waiters-2.json beside %s", m.path)
	}
	var doc struct {
		Waiters map[string]struct {
			Operation   string `json:"operation"`
			Delay       int    `json:"delay"`
			MaxAttempts int    `json:"maxAttempts"`
		} `json:"waiters"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	w, ok := doc.Waiters["LifecyclePolicyPreviewComplete"]
	if !ok || w.Operation != "GetLifecyclePolicyPreview" {
		t.Fatalf("the model has no LifecyclePolicyPreviewComplete waiter on GetLifecyclePolicyPreview: %+v", doc.Waiters)
	}
	if time.Duration(w.Delay)*time.Second != ecrspec.PreviewWaiterDelay || w.MaxAttempts != ecrspec.PreviewWaiterMaxAttempts {
		t.Errorf("preview waiter: model %d × %d s, project %d × %s", w.MaxAttempts, w.Delay, ecrspec.PreviewWaiterMaxAttempts, ecrspec.PreviewWaiterDelay)
	}
}
