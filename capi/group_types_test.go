package main

import (
	"os"
	"regexp"
	"testing"
)

// capi/group_types.h repeats include/gossh.h's gossh_group_result_info for
// the cgo preambles, which cannot include gossh.h. tests/c checks only the
// struct's size, so a reordered or retyped field of the same size would
// pass it: the two definitions must be the same text.
func TestGroupResultInfoMatchesHeader(t *testing.T) {
	re := regexp.MustCompile(`(?s)typedef struct gossh_group_result_info \{.*?\} gossh_group_result_info;`)
	var defs []string
	for _, path := range []string{"../include/gossh.h", "group_types.h"} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m := re.FindAll(b, -1)
		if len(m) != 1 {
			t.Fatalf("%s: %d definitions of gossh_group_result_info, want 1", path, len(m))
		}
		defs = append(defs, string(m[0]))
	}
	if defs[0] != defs[1] {
		t.Fatalf("capi/group_types.h's gossh_group_result_info differs from include/gossh.h's:\n%s\n---\n%s", defs[1], defs[0])
	}
}
