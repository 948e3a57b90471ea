export declare const DOCKERFILE: string;

export interface ImageLaunch {
  /** Node's own flags, before the script. */
  nodeArgs: string[];
  /** The script's absolute path in this checkout. */
  script: string;
  /** The program's arguments, after the script. */
  args: string[];
}

export declare function imageLaunch(dockerfile?: string): ImageLaunch;
