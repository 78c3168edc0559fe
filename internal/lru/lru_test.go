package lru

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := New[string, int](3)
	c.Add("a", 1, 1)
	c.Add("b", 2, 1)
	c.Add("c", 3, 1)
	if _, ok := c.Get("a"); !ok { // a is now the most recent
		t.Fatal("a missing")
	}
	c.Add("d", 4, 1) // evicts b
	if _, ok := c.Get("b"); ok {
		t.Error("b should have been evicted")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.Get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	c.Add("big", 9, 4) // larger than the capacity: not stored, nothing evicted
	if _, ok := c.Get("big"); ok || c.Stats().Entries != 3 {
		t.Errorf("oversized value handled wrongly: %+v", c.Stats())
	}
	c.Add("c", 30, 3) // replacing grows c to the whole capacity
	if v, _ := c.Get("c"); v != 30 || c.Stats().Entries != 1 || c.Stats().Bytes != 3 {
		t.Errorf("replace: got %d, %+v", v, c.Stats())
	}
}

// TestMatchesModel runs random operations against a slice model of an LRU.
func TestMatchesModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := New[int, int](50)
	type kv struct{ k, v, size int }
	var model []kv // front: most recent
	find := func(k int) int {
		for i, e := range model {
			if e.k == k {
				return i
			}
		}
		return -1
	}
	for step := 0; step < 20000; step++ {
		k := rng.IntN(40)
		if rng.IntN(2) == 0 {
			v, ok := c.Get(k)
			i := find(k)
			if ok != (i >= 0) || (ok && v != model[i].v) {
				t.Fatalf("step %d: Get(%d) = %d, %v; model %v", step, k, v, ok, i >= 0)
			}
			if i >= 0 {
				e := model[i]
				model = append([]kv{e}, append(model[:i:i], model[i+1:]...)...)
			}
			continue
		}
		v, size := rng.Int(), 1+rng.IntN(10)
		c.Add(k, v, int64(size))
		if i := find(k); i >= 0 {
			model = append(model[:i:i], model[i+1:]...)
		}
		model = append([]kv{{k, v, size}}, model...)
		total := 0
		for _, e := range model {
			total += e.size
		}
		for total > 50 {
			total -= model[len(model)-1].size
			model = model[:len(model)-1]
		}
		if st := c.Stats(); st.Entries != len(model) || st.Bytes != int64(total) {
			t.Fatalf("step %d: cache %+v, model %d entries %d bytes", step, st, len(model), total)
		}
	}
}

func TestConcurrent(t *testing.T) {
	c := New[string, []byte](1 << 10)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				k := fmt.Sprint(i % 97)
				if b, ok := c.Get(k); ok && string(b) != k {
					t.Errorf("key %s holds %q", k, b)
					return
				}
				c.Add(k, []byte(k), 16)
			}
		}()
	}
	wg.Wait()
	if st := c.Stats(); st.Bytes > 1<<10 {
		t.Errorf("over capacity: %+v", st)
	}
}
