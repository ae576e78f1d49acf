package portal

import (
	"strings"
	"testing"

	"github.com/doorstep-post/doorstep/internal/request"
)

func TestFormToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := newFormToken()
		if len(tok) != 22 || !validFormToken(tok) {
			t.Fatalf("newFormToken() = %q", tok)
		}
		if seen[tok] {
			t.Fatalf("token %q drawn twice", tok)
		}
		seen[tok] = true
	}
	for tok, want := range map[string]bool{
		"a": true, "A-_z09": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "a b": false, "a+b": false, "a/b": false, "a=": false, "é": false,
	} {
		if got := validFormToken(tok); got != want {
			t.Errorf("validFormToken(%q) = %v, want %v", tok, got, want)
		}
	}
}

func TestTranslateFallsBackToEnglish(t *testing.T) {
	if got := translate(request.Hindi, msgNoSuchRequest, "DS-AAAAA-AAAAA"); got != "We have no request with reference DS-AAAAA-AAAAA." {
		t.Errorf("translate = %q", got)
	}
	if got := translate(request.English, "100% sure"); got != "100% sure" {
		t.Errorf("a key without arguments is not a format: %q", got)
	}
}
