package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ecr-reconcile/ecr-reconcile/internal/ecrspec"
)

// Images, as far as deleting a repository needs them: how many a repository
// holds (Repository.ImageCount, PublicRepository.ImageCount), which decides
// whether DeleteRepository needs force, and DescribeImages, which pages
// through them so that a caller can count them. The images are made up from
// the count (stable digests, one tag each); an image store with real
// manifests can replace imageDetails without changing the handlers.

// SeedImages sets how many images the repository in region holds (registryID
// "" = the default account); it reports whether the repository exists.
func (e *Emulator) SeedImages(region, registryID, name string, n int) bool {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.lookup(region, registryID, name)
	if r == nil {
		return false
	}
	r.Images = nil
	for i := range n {
		d := imageDetail(r.RegistryID, r.Name, r.ARN, r.CreatedAt, i)
		r.Images = append(r.Images, Image{
			Digest: d.ImageDigest, Tags: d.ImageTags, SizeBytes: d.ImageSizeInBytes,
			PushedAt: r.CreatedAt.Add(time.Duration(i) * time.Second), StorageClass: StorageStandard,
			MediaType: d.ImageManifestMediaType,
		})
	}
	return true
}

// SeedPublicImages sets how many images a public repository holds.
func (e *Emulator) SeedPublicImages(registryID, name string, n int) bool {
	if registryID == "" {
		registryID = e.opts.AccountID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.public.lookup(registryID, name)
	if r == nil {
		return false
	}
	r.ImageCount = n
	return true
}

type wireImage struct {
	RegistryID             string   `json:"registryId"`
	RepositoryName         string   `json:"repositoryName"`
	ImageDigest            string   `json:"imageDigest"`
	ImageTags              []string `json:"imageTags,omitempty"`
	ImageSizeInBytes       int64    `json:"imageSizeInBytes"`
	ImagePushedAt          float64  `json:"imagePushedAt"`
	ImageManifestMediaType string   `json:"imageManifestMediaType"`
	ArtifactMediaType      string   `json:"artifactMediaType"`
}

// imageDetails makes up the i-th image of a repository.
func imageDetail(registryID, name, arn string, created time.Time, i int) wireImage {
	sum := sha256.Sum256([]byte(arn + "#" + strconv.Itoa(i)))
	return wireImage{
		RegistryID:             registryID,
		RepositoryName:         name,
		ImageDigest:            "sha256:" + hex.EncodeToString(sum[:]),
		ImageTags:              []string{fmt.Sprintf("v%d", i+1)},
		ImageSizeInBytes:       int64(1<<20 + i),
		ImagePushedAt:          float64(created.Add(time.Duration(i)*time.Second).UnixMilli()) / 1000,
		ImageManifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
		ArtifactMediaType:      "application/vnd.docker.container.image.v1+json",
	}
}

// imagePage returns images [start, start+limit) of count and the token of
// the next page ("" on the last). maxResults is 1 to 1000, 100 by default.
func imagePage(count int, maxResults *int, token *string) (start, end int, next string, fail *apiError) {
	limit := 100
	if maxResults != nil {
		limit = *maxResults
		if limit < 1 || limit > ecrspec.MaxResultsPerPage {
			return 0, 0, "", invalidParam("maxResults", fmt.Sprintf("Member must have value between 1 and %d", ecrspec.MaxResultsPerPage))
		}
	}
	if token != nil {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		n, convErr := strconv.Atoi(string(b))
		if err != nil || convErr != nil || n < 0 {
			return 0, 0, "", invalidParam("nextToken", "Invalid pagination token")
		}
		start = n
	}
	start = min(start, count)
	end = min(start+limit, count)
	if end < count {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return start, end, next, nil
}

func imagesOutput(details []wireImage, next string) map[string]any {
	out := map[string]any{"imageDetails": details}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

// notEmulated refuses a request member the emulator does not model, so that
// no test passes on an answer that ignored it.
func notEmulated(member string) *apiError {
	return invalidParam(member, "not emulated: the emulator lists every image; count them by paging with nextToken")
}

func (e *Emulator) publicDescribeImages(c *publicCall) (any, *apiError) {
	if len(c.in.ImageIDs) > 0 {
		return nil, notEmulated("imageIds")
	}
	return e.withPublicRepo(c, func(r *PublicRepository) (any, *apiError) {
		start, end, next, fail := imagePage(r.ImageCount, c.in.MaxResults, c.in.NextToken)
		if fail != nil {
			return nil, fail
		}
		details := make([]wireImage, 0, end-start)
		for i := start; i < end; i++ {
			details = append(details, imageDetail(r.RegistryID, r.Name, r.ARN(), r.CreatedAt, i))
		}
		return imagesOutput(details, next), nil
	})
}

// repositoryNotEmpty is DeleteRepository's answer, without force, for a
// repository that still holds images (ECR's and ECR Public's wording).
func repositoryNotEmpty(name, registryID string) *apiError {
	return errf(http.StatusBadRequest, "RepositoryNotEmptyException", fmt.Sprintf(
		"The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images", name, registryID))
}
