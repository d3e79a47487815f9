package core

import (
	"strings"
	"testing"
)

func TestOptionsSetListAllOrNone(t *testing.T) {
	o := NewOptions()
	if i, err := o.SetList([]string{"hostname", "port", "username"}, []string{"h1", "2222", "bob"}); err != nil || i != -1 {
		t.Fatalf("SetList: %d %v", i, err)
	}
	c := o.Config()
	if c.Hostname != "h1" || c.Port != 2222 || c.Username != "bob" {
		t.Fatalf("options not set: %+v", c)
	}
	// A bad value in the middle: its index and an error naming it; nothing of the call is kept.
	i, err := o.SetList([]string{"hostname", "port", "username"}, []string{"h2", "99999", "alice"})
	if i != 1 || err == nil || !strings.Contains(err.Error(), "port") || KindOf(err) != KindInvalid {
		t.Fatalf("SetList with a bad port: %d %v", i, err)
	}
	if c := o.Config(); c.Hostname != "h1" || c.Port != 2222 || c.Username != "bob" {
		t.Fatalf("a failed SetList changed the options: %+v", c)
	}
	// key_filename appends, as Set's does.
	if _, err := o.SetList([]string{"key_filename", "key_filename"}, []string{"/a", "/b"}); err != nil {
		t.Fatal(err)
	}
	if c := o.Config(); strings.Join(c.KeyFilenames, ",") != "/a,/b" {
		t.Fatalf("key files: %v", c.KeyFilenames)
	}
	if i, err := o.SetList(nil, nil); i != -1 || err != nil {
		t.Fatalf("empty list: %d %v", i, err)
	}
}
