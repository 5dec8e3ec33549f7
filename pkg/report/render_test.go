package report

import "testing"

// TestMarshalJSONKeepsText: JSON output keeps <, > and & as written, so a
// reply reads and greps as the server sent it; control characters are
// still escaped, as JSON requires.
func TestMarshalJSONKeepsText(t *testing.T) {
	v := map[string]string{"diagnostic": "550 5.1.1 <bob@example.org>: A -> B & C\x1b"}
	want := `{"diagnostic":"550 5.1.1 <bob@example.org>: A -> B & C\u001b"}`
	if b, err := MarshalJSON(v); err != nil || string(b) != want {
		t.Errorf("MarshalJSON = %s, %v; want %s", b, err, want)
	}
	b, err := MarshalJSONIndent(v, "", "  ")
	if want := "{\n  \"diagnostic\": \"550 5.1.1 <bob@example.org>: A -> B & C\\u001b\"\n}"; err != nil || string(b) != want {
		t.Errorf("MarshalJSONIndent = %s, %v; want %s", b, err, want)
	}
}
