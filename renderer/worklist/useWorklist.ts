// Worklist data in the renderer: the current query, and its rows fetched in blocks of BLOCK rows
// as the table scrolls. A new query discards the blocks; answers to a superseded query are
// dropped, so dragging the slider never shows a stale list.
import { useCallback, useEffect, useRef, useState } from "react";
import type { WorklistPage, WorklistQuery, WorklistRow } from "../../electron/contract/ipc";
import { api, call } from "../api";

const BLOCK = 100;

export type QueryState = Omit<WorklistQuery, "offset" | "limit">;

export function useWorklist(query: QueryState) {
  const [page, setPage] = useState<WorklistPage | null>(null);
  /** The query (as JSON) that `page` answers. */
  const [pageKey, setPageKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [, setBlocksVersion] = useState(0);
  const blocks = useRef(new Map<number, WorklistRow[]>());
  const pending = useRef(new Set<number>());
  const generation = useRef(0);
  const queryRef = useRef(query);
  queryRef.current = query;

  const fetchBlock = useCallback(async (block: number, gen: number, replace: boolean) => {
    pending.current.add(block);
    try {
      const result = await call("worklist:page", {
        ...queryRef.current,
        offset: block * BLOCK,
        limit: BLOCK,
      });
      if (gen !== generation.current) return;
      if (replace) {
        blocks.current = new Map();
        setPageKey(JSON.stringify(queryRef.current));
      }
      blocks.current.set(block, result.rows);
      setPage(result);
      setError(null);
      setBlocksVersion((v) => v + 1);
    } catch (err) {
      if (gen === generation.current) setError(err instanceof Error ? err.message : String(err));
    } finally {
      pending.current.delete(block);
    }
  }, []);

  const reload = useCallback(() => {
    const gen = ++generation.current;
    pending.current.clear();
    void fetchBlock(0, gen, true);
  }, [fetchBlock]);

  const key = JSON.stringify(query);
  useEffect(reload, [key, reload]);

  useEffect(
    () =>
      api.onEvent((e) => {
        if (e.type === "registry-changed") reload();
        if (e.type === "job" && e.job.state === "done") reload();
      }),
    [reload],
  );

  const need = useCallback(
    (from: number, to: number) => {
      for (let b = Math.floor(from / BLOCK); b * BLOCK < to; b++) {
        if (!blocks.current.has(b) && !pending.current.has(b)) {
          void fetchBlock(b, generation.current, false);
        }
      }
    },
    [fetchBlock],
  );

  const rowAt = useCallback(
    (i: number) => blocks.current.get(Math.floor(i / BLOCK))?.[i % BLOCK],
    // The blocks map is mutated in place; the version state re-renders the table.
    [],
  );

  return { page, pageKey, error, need, rowAt, reload, queryKey: key };
}
