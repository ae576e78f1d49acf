package loadtest

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		want    Mix
		wantErr string
	}{
		{in: "submit=20,track=80", want: Mix{{OpSubmit, 20}, {OpTrack, 80}}},
		{in: " submit = 1 , track_mobile=3 ", want: Mix{{OpSubmit, 1}, {OpTrackMobile, 3}}},
		{in: "track=5", want: Mix{{OpTrack, 5}}},
		{in: "submit=1,track=1,track_mobile=1", want: Mix{{OpSubmit, 1}, {OpTrack, 1}, {OpTrackMobile, 1}}},
		{in: "", wantErr: "empty"},
		{in: "  ", wantErr: "empty"},
		{in: "submit", wantErr: "not operation=weight"},
		{in: "submit=20,", wantErr: "empty item"},
		{in: "submit=20,,track=1", wantErr: "empty item"},
		{in: "browse=10", wantErr: `unknown operation "browse"`},
		{in: "Submit=10", wantErr: "unknown operation"},
		{in: "submit=0", wantErr: "whole number from 1"},
		{in: "submit=-3", wantErr: "whole number from 1"},
		{in: "submit=1.5", wantErr: "whole number from 1"},
		{in: "submit=", wantErr: "whole number from 1"},
		{in: "submit=ten", wantErr: "whole number from 1"},
		{in: "submit=99999999999999999999", wantErr: "whole number from 1"},
		{in: "submit=1,submit=2", wantErr: "given twice"},
	}
	for _, tt := range tests {
		got, err := ParseMix(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseMix(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if again, err := ParseMix(got.String()); err != nil || !reflect.DeepEqual(again, got) {
			t.Errorf("ParseMix(%q).String() = %q does not read back: %v, %v", tt.in, got.String(), again, err)
		}
	}
}

func TestMixPickFollowsWeights(t *testing.T) {
	m := Mix{{OpSubmit, 20}, {OpTrack, 70}, {OpTrackMobile, 10}}
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	counts := map[Op]int{}
	for range n {
		counts[m.pick(rng)]++
	}
	for _, w := range m {
		got := float64(counts[w.Op]) / n
		if want := m.Share(w.Op); math.Abs(got-want) > 0.01 {
			t.Errorf("%s chosen %.3f of the time; want %.3f", w.Op, got, want)
		}
	}
}
