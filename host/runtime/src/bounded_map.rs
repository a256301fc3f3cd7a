//! A map with a capacity that forgets its least recently used entry to make room: the
//! runtime's caches of loaded components and of rejected uploads, which must not grow
//! with the number of distinct uploads. Capacities are small (tens to a thousand), so
//! eviction scans for the oldest entry instead of keeping an order.

use std::collections::HashMap;

pub(crate) struct BoundedMap<V> {
    capacity: usize,
    entries: HashMap<String, (V, u64)>,
    clock: u64,
}

impl<V: Clone> BoundedMap<V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), entries: HashMap::new(), clock: 0 }
    }

    /// The value under `key`, now the most recently used.
    pub(crate) fn get(&mut self, key: &str) -> Option<V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(value, used)| {
            *used = clock;
            value.clone()
        })
    }

    pub(crate) fn insert(&mut self, key: String, value: V) {
        self.clock += 1;
        if !self.entries.contains_key(&key) && self.entries.len() >= self.capacity {
            let oldest = self.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key, (value, self.clock));
    }

    pub(crate) fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_least_recently_used_entry() {
        let mut map = BoundedMap::new(2);
        map.insert("a".into(), 1);
        map.insert("b".into(), 2);
        assert_eq!(map.get("a"), Some(1)); // "b" is now the oldest
        map.insert("c".into(), 3);
        assert_eq!((map.get("a"), map.get("b"), map.get("c")), (Some(1), None, Some(3)));
        assert_eq!(map.len(), 2);
    }
}
