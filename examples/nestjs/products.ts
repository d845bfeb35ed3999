/** The pretend products table of the NestJS example, with a count of the reads that reached it. */
export interface Product {
  id: number
  name: string
  /** How many times the table was read so far when this row was read: a cached response repeats it. */
  tableReads: number
}

const productsTable = new Map<number, string>([
  [1, 'Keyboard'],
  [2, 'Monitor'],
])

let tableReads = 0

/** The row of `id`, or `undefined`; a real database query would go here. */
export function findProduct(id: number): Product | undefined {
  tableReads++
  const name = productsTable.get(id)
  return name === undefined ? undefined : { id, name, tableReads }
}
