package emulator

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

// BenchmarkBatch1000 creates 1,000 repositories concurrently and describes
// them in batches of 100, the shape of a large reconcile run.
func BenchmarkBatch1000(b *testing.B) {
	for b.Loop() {
		c := start(b, Options{}).ecr()
		names := make([]string, 1000)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 32)
		for i := range names {
			names[i] = fmt.Sprintf("bench/repo-%04d", i)
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := c.CreateRepository(context.Background(), &ecr.CreateRepositoryInput{RepositoryName: aws.String(names[i])}); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		for i := 0; i < len(names); i += 100 {
			out, err := c.DescribeRepositories(context.Background(), &ecr.DescribeRepositoriesInput{RepositoryNames: names[i : i+100]})
			if err != nil || len(out.Repositories) != 100 {
				b.Fatalf("describe: %v", err)
			}
		}
	}
}
