package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// Storage classes of an image, as ECR's API spells them
// (LifecyclePolicyStorageClass).
const (
	StorageStandard = "STANDARD"
	StorageArchive  = "ARCHIVE"
)

// Image is one image of a repository. The emulator has no push: tests seed
// images with PutImages, with the times a real registry would have recorded.
type Image struct {
	// Digest is "sha256:<64 hex>"; "" derives a stable one from the tags
	// and the push time.
	Digest string
	Tags   []string // none = untagged
	// PushedAt is when the image was pushed (zero = the emulator's now).
	PushedAt time.Time
	// LastRecordedPullTime is the last pull ECR recorded; zero = never pulled.
	LastRecordedPullTime time.Time
	SizeBytes            int64
	// StorageClass is StorageStandard ("" = standard) or StorageArchive.
	StorageClass string
	// LastArchivedAt is when the image moved to the archive (archived images
	// only; zero = at PushedAt).
	LastArchivedAt time.Time
	// MediaType is the manifest's media type ("" = OCI image manifest).
	MediaType string
}

func cloneImages(in []Image) []Image {
	if in == nil {
		return nil
	}
	out := make([]Image, len(in))
	for i, img := range in {
		img.Tags = slices.Clone(img.Tags)
		out[i] = img
	}
	return out
}

// PutImages adds images to a repository, bypassing the API (no call log);
// an image with the digest of a stored one replaces it, and a tag moves from
// any other image to the image that now carries it, as a push does.
// registryID "" means the default account. It fails when the repository
// does not exist.
func (e *Emulator) PutImages(registryID, repository string, images ...Image) error {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.lookup(e.opts.Region, registryID, repository)
	if r == nil {
		return fmt.Errorf("emulator: no repository %q in registry %s", repository, registryID)
	}
	for _, img := range cloneImages(images) {
		if img.PushedAt.IsZero() {
			img.PushedAt = now
		}
		if img.StorageClass == "" {
			img.StorageClass = StorageStandard
		}
		if img.StorageClass != StorageStandard && img.StorageClass != StorageArchive {
			return fmt.Errorf("emulator: image storage class %q; use StorageStandard or StorageArchive", img.StorageClass)
		}
		if img.StorageClass == StorageArchive && img.LastArchivedAt.IsZero() {
			img.LastArchivedAt = img.PushedAt
		}
		if img.MediaType == "" {
			img.MediaType = "application/vnd.oci.image.manifest.v1+json"
		}
		if img.Digest == "" {
			sum := sha256.Sum256([]byte(strings.Join(img.Tags, ",") + "@" + img.PushedAt.UTC().Format(time.RFC3339Nano)))
			img.Digest = "sha256:" + hex.EncodeToString(sum[:])
		}
		r.Images = slices.DeleteFunc(r.Images, func(old Image) bool { return old.Digest == img.Digest })
		for i := range r.Images {
			r.Images[i].Tags = slices.DeleteFunc(r.Images[i].Tags, func(t string) bool { return slices.Contains(img.Tags, t) })
		}
		r.Images = append(r.Images, img)
	}
	return nil
}

// Images returns a copy of a repository's images; registryID "" means the
// default account.
func (e *Emulator) Images(registryID, repository string) ([]Image, bool) {
	r, ok := e.Repository(registryID, repository)
	return r.Images, ok
}

// imageInput is the request of DescribeImages and GetLifecyclePolicyPreview.
type imageInput struct {
	ImageIDs   []wireImageID `json:"imageIds"`
	NextToken  *string       `json:"nextToken"`
	MaxResults *int          `json:"maxResults"`
	Filter     *struct {
		TagStatus   string `json:"tagStatus"`
		ImageStatus string `json:"imageStatus"`
	} `json:"filter"`
}

type wireImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

func decodeInput(raw []byte, v any) *apiError {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return errf(http.StatusBadRequest, "SerializationException", "Could not parse the request body: "+err.Error())
	}
	return nil
}

// epoch is how awsJson1_1 carries a timestamp.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// tagFilter checks a filter's tagStatus and returns the predicate it stands for.
func tagFilter(status string) (func(Image) bool, *apiError) {
	switch status {
	case "", "ANY":
		return func(Image) bool { return true }, nil
	case "TAGGED":
		return func(i Image) bool { return len(i.Tags) > 0 }, nil
	case "UNTAGGED":
		return func(i Image) bool { return len(i.Tags) == 0 }, nil
	}
	return nil, invalidParam("filter.tagStatus", "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]")
}

// page cuts items (in a stable order) to one page. The token is the index of
// the next item, which is stable because callers page over a sorted
// snapshot.
func page[T any](items []T, token *string, maxResults *int, def, limit int) ([]T, string, *apiError) {
	n := def
	if maxResults != nil {
		n = *maxResults
		if n < 1 || n > limit {
			return nil, "", invalidParam("maxResults", fmt.Sprintf("Member must have value between 1 and %d", limit))
		}
	}
	start := 0
	if token != nil {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		i, convErr := strconv.Atoi(string(b))
		if err != nil || convErr != nil || i < 0 || i > len(items) {
			return nil, "", invalidParam("nextToken", "Invalid pagination token")
		}
		start = i
	}
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// matchImageIDs returns the images the ids name, failing on the first id
// that names none, as ECR does.
func matchImageIDs(r *Repository, images []Image, ids []wireImageID) ([]Image, *apiError) {
	if len(ids) > 100 {
		return nil, invalidParam("imageIds", "Member must have length less than or equal to 100")
	}
	var out []Image
	for _, id := range ids {
		if id.ImageDigest == "" && id.ImageTag == "" {
			return nil, invalidParam("imageIds", "an image ID needs imageDigest or imageTag")
		}
		i := slices.IndexFunc(images, func(img Image) bool {
			return (id.ImageDigest == "" || img.Digest == id.ImageDigest) && (id.ImageTag == "" || slices.Contains(img.Tags, id.ImageTag))
		})
		if i < 0 {
			return nil, imageNotFound(r, id)
		}
		if !slices.ContainsFunc(out, func(img Image) bool { return img.Digest == images[i].Digest }) {
			out = append(out, images[i])
		}
	}
	return out, nil
}

func imageNotFound(r *Repository, id wireImageID) *apiError {
	show := func(s string) string {
		if s == "" {
			return "null"
		}
		return "'" + s + "'"
	}
	return errf(http.StatusBadRequest, "ImageNotFoundException", fmt.Sprintf(
		"The image with imageId {imageDigest:%s, imageTag:%s} does not exist within the repository with name '%s' in the registry with id '%s'",
		show(id.ImageDigest), show(id.ImageTag), r.Name, r.RegistryID))
}

type wireImageDetail struct {
	RegistryID           string   `json:"registryId"`
	RepositoryName       string   `json:"repositoryName"`
	ImageDigest          string   `json:"imageDigest"`
	ImageTags            []string `json:"imageTags,omitempty"`
	ImageSizeInBytes     int64    `json:"imageSizeInBytes"`
	ImagePushedAt        float64  `json:"imagePushedAt"`
	ImageManifestType    string   `json:"imageManifestMediaType"`
	LastRecordedPullTime *float64 `json:"lastRecordedPullTime,omitempty"`
	ImageStatus          string   `json:"imageStatus"`
	LastArchivedAt       *float64 `json:"lastArchivedAt,omitempty"`
}

func optionalEpoch(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := epoch(t)
	return &v
}

// imageStatus maps a storage class to DescribeImages' imageStatus.
func imageStatus(img Image) string {
	if img.StorageClass == StorageArchive {
		return "ARCHIVED"
	}
	return "ACTIVE"
}

func (e *Emulator) describeImages(c *ecrCall) (any, *apiError) {
	var in imageInput
	if fail := decodeInput(c.in.raw, &in); fail != nil {
		return nil, fail
	}
	if len(in.ImageIDs) > 0 && (in.MaxResults != nil || in.NextToken != nil) {
		return nil, invalidParam("maxResults", "maxResults and nextToken cannot be used together with imageIds")
	}
	keepTag := func(Image) bool { return true }
	var fail *apiError
	wantStatus := "ACTIVE" // ECR returns active images unless asked otherwise
	if f := in.Filter; f != nil {
		if keepTag, fail = tagFilter(f.TagStatus); fail != nil {
			return nil, fail
		}
		switch f.ImageStatus {
		case "":
		case "ACTIVE", "ARCHIVED", "ACTIVATING", "ANY":
			wantStatus = f.ImageStatus
		default:
			return nil, invalidParam("filter.imageStatus", "Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]")
		}
	}
	return e.withRepo(c, func(r *Repository) (any, *apiError) {
		images := cloneImages(r.Images)
		slices.SortFunc(images, func(a, b Image) int { return strings.Compare(a.Digest, b.Digest) })
		if len(in.ImageIDs) > 0 {
			var fail *apiError
			if images, fail = matchImageIDs(r, images, in.ImageIDs); fail != nil {
				return nil, fail
			}
		}
		images = slices.DeleteFunc(images, func(img Image) bool {
			return !keepTag(img) || (wantStatus != "ANY" && imageStatus(img) != wantStatus)
		})
		got, next, fail := page(images, in.NextToken, in.MaxResults, 100, ecrspec.MaxResultsPerPage)
		if fail != nil {
			return nil, fail
		}
		details := make([]wireImageDetail, len(got))
		for i, img := range got {
			details[i] = wireImageDetail{
				RegistryID:           r.RegistryID,
				RepositoryName:       r.Name,
				ImageDigest:          img.Digest,
				ImageTags:            img.Tags,
				ImageSizeInBytes:     img.SizeBytes,
				ImagePushedAt:        epoch(img.PushedAt),
				ImageManifestType:    img.MediaType,
				LastRecordedPullTime: optionalEpoch(img.LastRecordedPullTime),
				ImageStatus:          imageStatus(img),
				LastArchivedAt:       optionalEpoch(img.LastArchivedAt),
			}
		}
		out := map[string]any{"imageDetails": details}
		if next != "" {
			out["nextToken"] = next
		}
		return out, nil
	})
}
