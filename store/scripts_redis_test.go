package store

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLuaScriptsNameTheirInputs checks the convention of lua/: every
// script names each of its KEYS and ARGV once, in order, in the block at
// its top, and uses only those names below it; the shared lib.lua reads
// none; and every file is a script the store runs.
func TestLuaScriptsNameTheirInputs(t *testing.T) {
	files, err := luaFiles.ReadDir("lua")
	if err != nil {
		t.Fatal(err)
	}
	goSrc, err := os.ReadFile("scripts_redis.go")
	if err != nil {
		t.Fatal(err)
	}
	input := regexp.MustCompile(`\b(KEYS|ARGV)\b(\[(\d+)\])?`)
	for _, f := range files {
		t.Run(f.Name(), func(t *testing.T) {
			src, err := luaFiles.ReadFile("lua/" + f.Name())
			if err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(f.Name(), ".lua")
			if name == "lib" {
				if input.Match(src) {
					t.Errorf("lib.lua reads KEYS or ARGV; the scripts it is put in front of name their own")
				}
				return
			}
			if !strings.Contains(string(goSrc), `luaScript("`+name+`")`) {
				t.Errorf("no luaScript(%q) in scripts_redis.go", name)
			}
			header, body, ok := strings.Cut(string(src), "\n\n")
			if !ok {
				t.Fatalf("no blank line after the block that names the inputs")
			}
			if m := input.FindString(body); m != "" {
				t.Errorf("%s used below the block that names the inputs", m)
			}
			next := map[string]int{"KEYS": 1, "ARGV": 1}
			for _, m := range input.FindAllStringSubmatch(header, -1) {
				if m[2] == "" { // all of ARGV, as a list
					continue
				}
				if n, _ := strconv.Atoi(m[3]); n != next[m[1]] {
					t.Errorf("%s: want %s[%d] next", m[0], m[1], next[m[1]])
				}
				next[m[1]]++
			}
			if next["KEYS"] == 1 {
				t.Errorf("names no KEYS")
			}
		})
	}
}
