package reconcile

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
	"github.com/ecr-reconcile/ecr-reconcile/internal/inputref"
	"github.com/ecr-reconcile/ecr-reconcile/internal/regions"
	"github.com/ecr-reconcile/ecr-reconcile/internal/registry"
)

// SettingEncryption is the repository's encryption configuration. ECR
// sets it only when it creates a repository: afterwards it is verified,
// never written.
const SettingEncryption = "encryption"

var encryption = setting{
	name:    SettingEncryption,
	order:   20,
	managed: func(spec Spec) bool { return spec.Encryption != nil },
	inputs:  []inputref.Ref{inputref.EncryptionType, inputref.KMSKey},
	declare: declareEncryption,
	described: func(repo RepositoryInfo, st *state) {
		st.EncryptionType, st.KMSKey = repo.EncryptionType, repo.KMSKey
	},
	diff: func(spec Spec, st state, _ string) Change { return diffEncryption(*spec.Encryption, st) },
	create: func(spec Spec, c *creation) {
		e := spec.Encryption
		c.req.Encryption = e
		if e.Type == string(types.EncryptionTypeAes256) {
			return
		}
		c.explain = func(err error) error {
			if !errors.Is(err, ErrKMS) {
				return nil
			}
			// ECR calls KMS with the caller's credentials to check the key
			// and grant itself its use.
			return fmt.Errorf("ecr:CreateRepository could not use the KMS key: with %v %s the credentials also need "+
				"kms:DescribeKey and kms:CreateGrant on the key (ECR calls KMS on the caller's behalf), and the key must be enabled and in this region: %w",
				inputref.EncryptionType, e.Type, awsError("CreateRepository", err))
		}
	},
	template: templateEncryption,
	private:  true,
	lacks:    "ECR Public has no encryption setting",
	// Set by CreateRepository (existence); a KMS key also needs
	// kms:DescribeKey and kms:CreateGrant, which are KMS's, not ECR's.
	iam: iamActions{},
}

type encryptionSpec struct {
	// Encryption is applied at creation and only verified afterwards: ECR
	// cannot change the encryption of an existing repository.
	Encryption *Encryption
}

type encryptionState struct {
	EncryptionType string // "" read as AES256
	KMSKey         string // key ARN
}

// Encryption is the repository's encryption configuration.
type Encryption struct {
	// Type is AES256, KMS or KMS_DSSE.
	Type string
	// KMSKey is a key ID, key ARN, alias name or alias ARN (KMS types only).
	KMSKey string
}

func diffEncryption(want Encryption, st state) Change {
	c := Change{Setting: SettingEncryption, Action: ActionCreate, To: encryptionString(want.Type, want.KMSKey)}
	if !st.Exists {
		return c
	}
	gotType, gotKey := st.EncryptionType, st.KMSKey
	if gotType == "" {
		gotType = string(types.EncryptionTypeAes256)
	}
	c.Action, c.From = ActionUnchanged, encryptionString(gotType, gotKey)
	if gotType != want.Type || !kmsKeyMatches(want.KMSKey, gotKey) {
		c.Action = ActionFailed
		c.Error = fmt.Sprintf("the repository is encrypted with %s but %s is declared; ECR sets encryption only when it creates a repository. "+
			"Remove the %v and %v inputs to accept the current encryption, or create a new repository and move the images to change it",
			c.From, c.To, inputref.EncryptionType, inputref.KMSKey)
	}
	return c
}

// templateEncryption compares a creation template's encryption with the
// declared one. A template names its key by ARN (kmsKeyMatches).
func templateEncryption(spec Spec, t registry.Template, _ string) (*templateDiff, error) {
	aes := string(types.EncryptionTypeAes256)
	want := *spec.Encryption
	got, wantType := cmp.Or(t.EncryptionType, aes), cmp.Or(want.Type, aes)
	if got == wantType && kmsKeyMatches(want.KMSKey, t.KMSKey) {
		return nil, nil
	}
	with := func(typ, key string) string {
		if key == "" {
			return typ
		}
		return typ + " with " + key
	}
	// Two inputs declare it: the warning names the setting.
	return &templateDiff{setting: SettingEncryption, template: with(got, t.KMSKey), declared: with(wantType, want.KMSKey)}, nil
}

// kmsKeyMatches compares a declared key with the ARN ECR returns. A key ID
// matches the ARN that ends in it; an alias cannot be resolved without KMS
// access, so it is accepted rather than reported as a false mismatch.
func kmsKeyMatches(want, gotARN string) bool {
	switch {
	case want == "" || want == gotARN:
		return true
	case strings.HasPrefix(want, "arn:"):
		return strings.Contains(want, ":alias/")
	case strings.HasPrefix(want, "alias/"):
		return true
	}
	return strings.HasSuffix(gotARN, ":key/"+want)
}

func encryptionString(typ, key string) string {
	if key == "" {
		return typ
	}
	return typ + " (" + key + ")"
}

var (
	kmsKeyID    = `(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|mrk-[0-9a-fA-F]{32})`
	kmsAlias    = `alias/[a-zA-Z0-9/_-]{1,250}`
	kmsARN      = `arn:` + regions.PartitionPattern + `:kms:[a-z0-9-]+:` + ecrspec.RegistryIDPattern + `:`
	kmsKeyForms = regexp.MustCompile(`^(?:` + kmsKeyID + `|` + kmsAlias + `|` + kmsARN + `key/` + kmsKeyID + `|` + kmsARN + kmsAlias + `)$`)
)

func declareEncryption(d Declarations, spec *Spec) {
	spec.Encryption = Take[*Encryption](d, inputref.EncryptionType)(parseEncryption(d.Text(inputref.EncryptionType), d.Text(inputref.KMSKey)))
}

// parseEncryption reads the encryption type and KMS key; both empty means
// encryption is not managed.
func parseEncryption(given, key string) (*Encryption, error) {
	typ := types.EncryptionType(strings.ToUpper(strings.TrimSpace(given)))
	key = strings.TrimSpace(key)
	switch typ {
	case "":
		if key == "" {
			return nil, nil
		}
		return nil, fmt.Errorf("is empty, but %v is set; set %v to %s or %s, or remove %v", inputref.KMSKey, inputref.EncryptionType, types.EncryptionTypeKms, types.EncryptionTypeKmsDsse, inputref.KMSKey)
	case types.EncryptionTypeAes256:
		if key != "" {
			return nil, on(inputref.KMSKey, fmt.Errorf("%s encryption does not use a KMS key; remove %v or set %v to %s", typ, inputref.KMSKey, inputref.EncryptionType, types.EncryptionTypeKms))
		}
	case types.EncryptionTypeKms, types.EncryptionTypeKmsDsse:
		if key != "" && (len(key) > ecrspec.MaxKMSKeyChars || !kmsKeyForms.MatchString(key)) {
			return nil, on(inputref.KMSKey, fmt.Errorf("%q is not a KMS key reference; use a key ID (1234abcd-12ab-34cd-56ef-1234567890ab or mrk-...), a key ARN, alias/name or an alias ARN", shown(key)))
		}
	default:
		return nil, fmt.Errorf("%q is not an encryption type; use %s", shown(given), oneOf(types.EncryptionType("").Values()))
	}
	return &Encryption{Type: string(typ), KMSKey: key}, nil
}
