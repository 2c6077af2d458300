// Bad settings and what validateConfig must say about them: shared by the Node and the server tests.

export const OK = { key_column: 'id', clustering_columns: ['v1', 'v2'], cluster_count: 2, cluster_number_column: 'cluster_number' };

/** One refused configuration: the key blamed, a pattern the message must match (the bad value), and the hint's fix. */
export interface Refusal {
  name: string;
  config: unknown;
  key: string;
  message: RegExp;
  hint: RegExp;
}

export const REFUSALS: Refusal[] = [
  { name: 'settings that are not an object', config: [1, 2], key: 'config', message: /must be a JSON object, not \[1,2\]/, hint: /"key_column": "id"/ },
  { name: 'settings that are a string', config: 'k=3', key: 'config', message: /not "k=3"/, hint: /"clustering_columns"/ },
  { name: 'a misspelt key', config: { ...OK, cluster_cont: 3 }, key: 'cluster_cont', message: /unknown setting "cluster_cont"/, hint: /did you mean "cluster_count"\?/ },
  { name: 'the paper-style key with spaces', config: { ...OK, 'distance type': 'manhattan' }, key: 'distance type', message: /unknown setting "distance type"/, hint: /did you mean "distance_type"\?/ },
  { name: 'a key in upper case', config: { ...OK, SEED: 1 }, key: 'SEED', message: /unknown setting "SEED"/, hint: /did you mean "seed"\?/ },
  { name: 'an unknown key far from any known one', config: { ...OK, colour: 'red' }, key: 'colour', message: /unknown setting "colour"/, hint: /known settings: key_column, clustering_columns/ },
  { name: 'a missing key_column', config: { ...OK, key_column: undefined }, key: 'key_column', message: /key_column is missing/, hint: /add "key_column": "<column name>"/ },
  { name: 'a numeric key_column', config: { ...OK, key_column: 7 }, key: 'key_column', message: /key_column must be a column name .*not 7/, hint: /"key_column": "<column name>"/ },
  { name: 'a column name over 63 characters', config: { ...OK, key_column: 'x'.repeat(64) }, key: 'key_column', message: /1 to 63 characters/, hint: /<column name>/ },
  { name: 'missing clustering_columns', config: { ...OK, clustering_columns: undefined }, key: 'clustering_columns', message: /clustering_columns is missing/, hint: /"clustering_columns": \["v1", "v2"\]/ },
  { name: 'clustering_columns as text', config: { ...OK, clustering_columns: 'v1' }, key: 'clustering_columns', message: /must be a list, not the text "v1"/, hint: /"clustering_columns": \["v1"\]/ },
  { name: 'empty clustering_columns', config: { ...OK, clustering_columns: [] }, key: 'clustering_columns', message: /list of 1 to 1000 column names, not \[\]/, hint: /\["v1", "v2"\]/ },
  { name: 'a number among clustering_columns', config: { ...OK, clustering_columns: ['v1', 2] }, key: 'clustering_columns', message: /holds 2, which is not a column name/, hint: /as text/ },
  { name: 'a duplicate clustering column', config: { ...OK, clustering_columns: ['v1', 'v1'] }, key: 'clustering_columns', message: /lists "v1" twice/, hint: /each column once/ },
  { name: 'a missing cluster_count', config: { ...OK, cluster_count: undefined }, key: 'cluster_count', message: /cluster_count is missing/, hint: /integer from 1 to 1000/ },
  { name: 'a fractional cluster_count', config: { ...OK, cluster_count: 2.5 }, key: 'cluster_count', message: /must be an integer, not 2\.5/, hint: /integer from 1 to 1000/ },
  { name: 'cluster_count as text', config: { ...OK, cluster_count: '3' }, key: 'cluster_count', message: /must be an integer, not "3"/, hint: /"cluster_count": <integer from 1 to 1000>/ },
  { name: 'cluster_count 0', config: { ...OK, cluster_count: 0 }, key: 'cluster_count', message: /cluster_count is 0, outside 1 to 1000/, hint: /set cluster_count to an integer from 1 to 1000/ },
  { name: 'cluster_count over 1000', config: { ...OK, cluster_count: 1001 }, key: 'cluster_count', message: /is 1001, outside 1 to 1000/, hint: /from 1 to 1000/ },
  { name: 'an unknown algorithm close to one', config: { ...OK, clustering_algorithm: 'kmeans' }, key: 'clustering_algorithm', message: /must be one of k-means, k-means\+\+, k-medoids, k-medians, not "kmeans"/, hint: /did you mean "k-means"\?/ },
  { name: 'an unknown algorithm far from all', config: { ...OK, clustering_algorithm: 'dbscan' }, key: 'clustering_algorithm', message: /not "dbscan"/, hint: /"clustering_algorithm": "k-means"/ },
  { name: 'an unknown distance', config: { ...OK, distance_type: 'chebyshev' }, key: 'distance_type', message: /euclidean, euclidian, manhattan, cosine, not "chebyshev"/, hint: /"distance_type": "euclidean"/ },
  { name: 'cosine with k-medoids', config: { ...OK, distance_type: 'cosine', clustering_algorithm: 'k-medoids' }, key: 'distance_type', message: /cosine/, hint: /k-means/ },
  { name: 'cosine with z-scores', config: { ...OK, distance_type: 'cosine', standardize: 'zscore' }, key: 'standardize', message: /standardize/, hint: /standardize/ },
  { name: 'a misspelt center_choice', config: { ...OK, center_choice: 'randon' }, key: 'center_choice', message: /not "randon"/, hint: /did you mean "random"\?/ },
  { name: 'a refit policy that is not one', config: { ...OK, refit: 'hourly' }, key: 'refit', message: /statement, row, online, not "hourly"/, hint: /"refit": "statement"/ },
  { name: 'invalid_rows as a boolean', config: { ...OK, invalid_rows: true }, key: 'invalid_rows', message: /skip, error, not true/, hint: /"invalid_rows": "skip"/ },
  { name: 'standardize misspelt', config: { ...OK, standardize: 'z-score' }, key: 'standardize', message: /none, zscore, not "z-score"/, hint: /did you mean "zscore"\?/ },
  { name: 'a missing cluster_number_column on insert', config: { ...OK, cluster_number_column: undefined }, key: 'cluster_number_column', message: /cluster_number_column is missing/, hint: /"cluster_number_column": "<column name>"/ },
  { name: 'a negative maximum_data_count', config: { ...OK, maximum_data_count: -5 }, key: 'maximum_data_count', message: /maximum_data_count is -5, outside 1 to 10000000/, hint: /from 1 to 10000000/ },
  { name: 'a window over ten million rows', config: { ...OK, maximum_data_count: 20000000 }, key: 'maximum_data_count', message: /is 20000000, outside/, hint: /to 10000000/ },
  { name: 'minimum_data_count below cluster_count', config: { ...OK, cluster_count: 5, minimum_data_count: 3 }, key: 'minimum_data_count', message: /minimum_data_count \(3\) is less than cluster_count \(5\)/, hint: /at least 5/ },
  { name: 'minimum_data_count above maximum_data_count', config: { ...OK, minimum_data_count: 50, maximum_data_count: 20 }, key: 'minimum_data_count', message: /\(50\) is greater than maximum_data_count \(20\)/, hint: /"minimum_data_count": 20, "maximum_data_count": 50/ },
  { name: 'a negative seed', config: { ...OK, seed: -1 }, key: 'seed', message: /seed is -1, outside 0 to 2147483647/, hint: /from 0 to 2147483647/ },
  { name: 'starts 0', config: { ...OK, starts: 0 }, key: 'starts', message: /starts is 0, outside 1 to 100/, hint: /from 1 to 100/ },
  { name: 'several starts with manual centers', config: { ...OK, center_choice: 'manual', starting_centers: [[0, 0], [1, 1]], starts: 5 }, key: 'starts', message: /starts is 5 but center_choice is manual/, hint: /remove "starts"/ },
  { name: 'max_iterations 0', config: { ...OK, max_iterations: 0 }, key: 'max_iterations', message: /max_iterations is 0, outside 1 to 10000/, hint: /from 1 to 10000/ },
  { name: 'a negative tolerance', config: { ...OK, tolerance: -0.1 }, key: 'tolerance', message: /tolerance is -0\.1, outside from 0 to 1/, hint: /number from 0 to 1/ },
  { name: 'tolerance as text', config: { ...OK, tolerance: 'tiny' }, key: 'tolerance', message: /tolerance must be a number, not "tiny"/, hint: /"tolerance": <number from 0 to 1>/ },
  { name: 'decay 0', config: { ...OK, decay: 0 }, key: 'decay', message: /decay is 0, outside greater than 0 to 1/, hint: /number greater than 0 to 1/ },
  { name: 'decay over 1', config: { ...OK, decay: 1.5 }, key: 'decay', message: /decay is 1\.5/, hint: /greater than 0 to 1/ },
  { name: 'manual without starting_centers', config: { ...OK, center_choice: 'manual' }, key: 'starting_centers', message: /center_choice is manual but starting_centers is missing/, hint: /2 points of 2 numbers, e\.g\. \[\[0, 0\], \[0, 0\]\]/ },
  { name: 'starting_centers without manual', config: { ...OK, starting_centers: [[0, 0], [1, 1]] }, key: 'starting_centers', message: /given but center_choice is k-means\+\+/, hint: /"center_choice": "manual"/ },
  { name: 'too few starting_centers', config: { ...OK, center_choice: 'manual', starting_centers: [[0, 0]] }, key: 'starting_centers', message: /must hold cluster_count \(2\) points, not 1/, hint: /exactly 2 points/ },
  { name: 'a starting center of the wrong dimension', config: { ...OK, center_choice: 'manual', starting_centers: [[0, 0], [1, 1, 1]] }, key: 'starting_centers', message: /starting_centers\[1\] must have 2 coordinates .*not 3/, hint: /2 numbers, in the order of clustering_columns/ },
  { name: 'a starting center that is not a number', config: { ...OK, center_choice: 'manual', starting_centers: [[0, 'a'], [1, 1]] }, key: 'starting_centers', message: /starting_centers\[0\]\[1\] must be a finite number, not "a"/, hint: /finite numbers only/ },
  { name: 'the key column clustered', config: { ...OK, clustering_columns: ['id', 'v1'] }, key: 'key_column', message: /column "id" is both a clustering column and the key column/, hint: /remove "id" from clustering_columns/ },
  { name: 'the cluster number column clustered', config: { ...OK, clustering_columns: ['v1', 'cluster_number'] }, key: 'cluster_number_column', message: /"cluster_number" is both a clustering column and the cluster number column/, hint: /remove "cluster_number"/ },
  { name: 'the cluster number column as the key', config: { ...OK, cluster_number_column: 'id' }, key: 'cluster_number_column', message: /cluster_number_column "id" is also the key_column/, hint: /separate integer column/ },
  { name: 'an empty output_table', config: { ...OK, output_table: '' }, key: 'output_table', message: /output_table must be a table name, not ""/, hint: /"output_table": "schema\.table"/ },
];

