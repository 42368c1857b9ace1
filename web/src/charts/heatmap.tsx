// The confusion matrix as a heat map: a real table (rows actual, columns predicted) so it reads aloud correctly.
export interface HeatmapProps {
  title: string;
  rowTitle: string;
  colTitle: string;
  labels: string[];
  matrix: number[][];
  format: (v: number) => string;
}

export function Heatmap({ title, rowTitle, colTitle, labels, matrix, format }: HeatmapProps) {
  // Shaded by the share of each actual class, so a rare class's row is as readable as a common one's.
  const shade = (row: number[], v: number) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return v / total;
  };
  return (
    <figure class="heatmap" data-testid="confusion-matrix">
      <figcaption>{title}</figcaption>
      <table>
        <thead>
          <tr>
            <th scope="col">
              {rowTitle} \ {colTitle}
            </th>
            {labels.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, i) => (
            <tr key={labels[i]}>
              <th scope="row">{labels[i]}</th>
              {row.map((v, j) => {
                const s = shade(row, v);
                return (
                  <td key={j} style={{ background: `rgba(31, 95, 168, ${0.08 + 0.92 * s})`, color: s > 0.5 ? '#fff' : '#111' }}>
                    {format(v)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
